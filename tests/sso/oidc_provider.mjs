// A real OpenID Connect provider for the sso tests: Node's oidc-provider on loopback.
//
//   node tests/sso/oidc_provider.mjs CONFIG.json
//
// CONFIG.json: {"port": 0, "clients": [{client_id, client_secret, redirect_uris,
// post_logout_redirect_uris}], "accounts": {"<sub>": {email, email_verified, name,
// preferred_username, locale, groups}}}. Port 0 picks a free port; the server prints
// "listening <issuer>" on stdout once it serves.
//
// Sign-in uses oidc-provider's devInteractions (a login form that takes any password for a
// known account id). Consent is granted automatically (a first-party client).
// Test-only controls on the same port, reachable from loopback only:
//   POST /_test/accounts/<sub>   JSON claims: add or replace an account (groups changing)
//   POST /_test/mode             JSON {"tamper_id_token": bool}: the token endpoint returns an
//                                ID token whose signature is broken
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const accounts = new Map(Object.entries(config.accounts || {}));
const mode = { tamper_id_token: false };
const port = Number(config.port || 0);

const CLAIMS = {
  openid: ['sub'],
  email: ['email', 'email_verified'],
  profile: ['name', 'preferred_username', 'locale'],
  groups: ['groups'],
};

function build(issuer) {
  const provider = new Provider(issuer, {
    clients: config.clients.map((c) => ({
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      ...c,
    })),
    claims: CLAIMS,
    scopes: ['openid', 'email', 'profile', 'groups'],
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    cookies: { keys: ['circolo-test-cookie-key'] },
    // The ID token carries the claims (as many brand providers do), not only /userinfo.
    conformIdTokenClaims: false,
    async findAccount(ctx, id) {
      const claims = accounts.get(id);
      if (!claims) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...claims }; } };
    },
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid email profile groups');
      await grant.save();
      return grant;
    },
  });
  provider.proxy = false;

  provider.use(async (ctx, next) => {
    if (ctx.path.startsWith('/_test/')) {
      const remote = ctx.request.ip || '';
      if (!remote.endsWith('127.0.0.1') && remote !== '::1') { ctx.status = 403; return; }
      const chunks = [];
      for await (const chunk of ctx.req) chunks.push(chunk);
      const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
      if (ctx.path.startsWith('/_test/accounts/') && ctx.method === 'POST') {
        accounts.set(decodeURIComponent(ctx.path.slice('/_test/accounts/'.length)), body);
      } else if (ctx.path === '/_test/mode' && ctx.method === 'POST') {
        Object.assign(mode, body);
      } else { ctx.status = 404; return; }
      ctx.body = { ok: true };
      return;
    }
    await next();
    if (mode.tamper_id_token && ctx.path === '/token' && ctx.body && typeof ctx.body === 'object'
        && ctx.body.id_token) {
      const [header, payload, signature] = ctx.body.id_token.split('.');
      const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1);
      ctx.body = { ...ctx.body, id_token: [header, payload, flipped].join('.') };
    }
  });
  return provider;
}

// Bind first (port 0: a free one), then build the provider for the issuer that port names.
const server = createServer();
server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = build(issuer);
  server.on('request', provider.callback());
  process.stdout.write(`listening ${issuer}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
