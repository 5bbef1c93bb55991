// A real OpenID Connect provider for the account tests: the certified `oidc-provider` package with
// FranceConnect-like scopes and claims, a login form, a consent form and RP-initiated logout.
// Configuration comes from the environment (set by tests/accounts/conftest.py):
//   OIDC_TEST_PORT, OIDC_TEST_CLIENT_ID, OIDC_TEST_CLIENT_SECRET, OIDC_TEST_REDIRECT_URI,
//   OIDC_TEST_POST_LOGOUT_URI, OIDC_TEST_ACCOUNTS (JSON: {login: {password, claims}}), OIDC_TEST_JWK.
// Prints "READY <issuer>" on stdout once listening.
import { generateKeyPairSync } from 'node:crypto';

import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_TEST_PORT);
const issuer = `http://127.0.0.1:${port}`;
const accounts = JSON.parse(process.env.OIDC_TEST_ACCOUNTS || '{}');
// The account id is the subject identifier (sub) given to the client.
const bySub = Object.fromEntries(Object.entries(accounts).map(([login, a]) => [a.claims.sub || login, a]));
const subOf = (login) => accounts[login].claims.sub || login;

// The signing key is given by the tests (OIDC_TEST_JWK, a private RSA JWK) or made here.
function makeKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: 'test-rs256', alg: 'RS256', use: 'sig' };
}
const signingKey = process.env.OIDC_TEST_JWK ? JSON.parse(process.env.OIDC_TEST_JWK) : makeKey();

// FranceConnect asks for each claim by its own scope.
const claimScopes = [
  'email', 'given_name', 'family_name', 'preferred_username', 'birthdate', 'birthplace', 'birthcountry', 'gender',
];
const claims = { openid: ['sub'] };
for (const name of claimScopes) claims[name] = [name];

const configuration = {
  clients: [{
    client_id: process.env.OIDC_TEST_CLIENT_ID,
    client_secret: process.env.OIDC_TEST_CLIENT_SECRET,
    redirect_uris: [process.env.OIDC_TEST_REDIRECT_URI],
    post_logout_redirect_uris: [process.env.OIDC_TEST_POST_LOGOUT_URI],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: 'RS256',
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: ['oidc-test-cookie-key'] },
  scopes: ['openid', ...claimScopes],
  claims,
  acrValues: ['eidas1', 'eidas2', 'eidas3'],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const account = bySub[id];
    if (!account) return undefined;
    return { accountId: id, async claims() { return { ...account.claims, sub: id }; } };
  },
};

const provider = new Provider(issuer, configuration);

function page(title, body) {
  return `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString()));
}

function loginForm(uid, error = '') {
  return page('Connexion', `<h1>Connexion au fournisseur d'identité</h1>${error ? `<p class="error">${error}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
<input name="login"><input name="password" type="password"><button type="submit">Se connecter</button></form>`);
}

provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([\w-]+)(?:\/(login|confirm))?$/);
  if (!match) return next();
  const [, uid, action] = match;
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (details.uid !== uid) ctx.throw(400, 'interaction mismatch');
  if (ctx.method === 'GET' && !action) {
    ctx.type = 'html';
    if (details.prompt.name === 'login') {
      ctx.body = loginForm(uid);
    } else {
      ctx.body = page('Consentement', `<h1>Autoriser ${details.params.client_id}</h1>
<p>Données demandées : ${details.params.scope}</p>
<form method="post" action="/interaction/${uid}/confirm"><button type="submit">Autoriser</button></form>`);
    }
    return undefined;
  }
  if (ctx.method === 'POST' && action === 'login') {
    const form = await readForm(ctx.req);
    const account = accounts[form.login];
    if (!account || account.password !== form.password) {
      ctx.type = 'html';
      ctx.body = loginForm(uid, 'Identifiant ou mot de passe incorrect');
      return undefined;
    }
    const acr = (details.params.acr_values || 'eidas1').split(' ')[0];
    ctx.respond = false;
    await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: subOf(form.login), acr, amr: ['pwd'] } }, {
      mergeWithLastSubmission: false,
    });
    return undefined;
  }
  if (ctx.method === 'POST' && action === 'confirm') {
    const { prompt: { details: missing }, params, session: { accountId } } = details;
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId, clientId: params.client_id });
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    const grantId = await grant.save();
    ctx.respond = false;
    await provider.interactionFinished(ctx.req, ctx.res, { consent: details.grantId ? {} : { grantId } }, {
      mergeWithLastSubmission: true,
    });
    return undefined;
  }
  return ctx.throw(405);
});

const server = provider.listen(port, '127.0.0.1', () => {
  process.stdout.write(`READY ${issuer}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
