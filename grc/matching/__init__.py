"""Identity matching and citizen search, by responsibility:

- ``names``: the canonical form of names (folding, particles, glued variants) and the derived columns;
- ``phonetics``: a French phonetic key, for names typed as they are heard;
- ``find``: the one citizen finder (``citizen_find``), used by every place that looks a person up by name;
- ``scoring``: how alike two identities are (score and reasons);
- ``candidates``: who may be this person (``IdentityQuery``, ``match``, ``compare``, the thresholds);
- ``search``: the back office's and the API's citizen search (``search_citizens``, on ``find``).
"""
