"""What a user sees when the server refuses a request outright (not a 500, and in French)."""

from django.core.files.uploadedfile import SimpleUploadedFile


def test_too_many_files_in_one_post_gets_a_french_page_not_a_500(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    files = [SimpleUploadedFile(f"scan-{i}.pdf", b"%PDF-1.4\n", content_type="application/pdf") for i in range(4)]

    response = client.post("/connexion/", {"files": files})

    assert response.status_code == 400
    body = response.content.decode()
    assert "Requête refusée" in body
    assert "au plus 100 fichiers" in body
