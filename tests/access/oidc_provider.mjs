// A real OpenID provider for the sign-in tests (issue 26): the npm `oidc-provider` package (package.json pins it),
// on 127.0.0.1, with the clients and accounts the test hands it. Started and stopped by tests/access/oidc_fixtures.py.
//
//   node tests/access/oidc_provider.mjs CONFIG.json
//
// CONFIG: {port, clients: [oidc-provider client metadata], accounts: {id: {claims}}, idTokenTtl, clockOffsetSeconds,
//          idTokenAudience}. Sign-in is the package's devInteractions login form (any password; the login names an
//          account of CONFIG.accounts); consent is skipped for these first-party clients.
//   clockOffsetSeconds  the provider's clock runs this far off the machine's (e.g. -600: every token it issues was
//                       issued ten minutes ago, so a short-lived ID token is already expired on arrival)
//   idTokenAudience     the token endpoint's ID tokens name this audience instead of the client (signed with the
//                       provider's own key, as a provider that mixes up its clients would)
// Prints "listening <issuer>" on stdout once it answers.
import { readFileSync } from 'node:fs';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
if (config.clockOffsetSeconds) {
  const realNow = Date.now;
  Date.now = () => realNow() + config.clockOffsetSeconds * 1000;
}

const issuer = `http://127.0.0.1:${config.port}`;
const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await jose.exportJWK(privateKey)), kid: 'test-signing-key', alg: 'RS256', use: 'sig' };
const accounts = config.accounts || {};

const provider = new Provider(issuer, {
  clients: config.clients,
  jwks: { keys: [signingJwk] },
  cookies: { keys: ['oidc-test-cookie-key-0123456789abcdef'] },
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username', 'given_name', 'family_name'],
    email: ['email', 'email_verified'],
    groups: ['groups'],
  },
  scopes: ['openid', 'profile', 'email', 'groups'],
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  ttl: {
    IdToken: config.idTokenTtl || 3600,
    AccessToken: 3600,
    AuthorizationCode: 60,
    Interaction: 3600,
    Session: 3600,
    Grant: 3600,
  },
  clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
  async findAccount(ctx, id) {
    if (!Object.hasOwn(accounts, id)) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...accounts[id] }; } };
  },
  async loadExistingGrant(ctx) {
    // first-party clients: everything they ask for is granted, no consent page
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope(ctx.oidc.params.scope || 'openid');
    await grant.save();
    return grant;
  },
});
provider.proxy = false;

if (config.idTokenAudience) {
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/token' && ctx.status === 200 && ctx.body && ctx.body.id_token) {
      const claims = jose.decodeJwt(ctx.body.id_token);
      ctx.body.id_token = await new jose.SignJWT({ ...claims, aud: config.idTokenAudience })
        .setProtectedHeader({ alg: 'RS256', kid: signingJwk.kid, typ: 'JWT' })
        .sign(privateKey);
    }
  });
}

provider.on('server_error', (ctx, err) => { console.error('server_error', err); });
const server = provider.listen(config.port, '127.0.0.1', () => {
  console.log(`listening ${issuer}`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
