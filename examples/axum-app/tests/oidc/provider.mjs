// The certified oidc-provider (panva) on 127.0.0.1, for axum-app's end-to-end sign-in test.
//
//   node provider.mjs [PORT]
//
// PORT (or OIDC_PORT; 0 or unset picks a free one). The client comes from the environment:
// OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and OIDC_REDIRECT_URI. Any login name signs in through
// the development interaction pages as the account of that name, e-mail NAME@example.test,
// verified. When listening, prints one line: `ready http://127.0.0.1:PORT`.
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const required = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`provider.mjs: ${name} is required`);
    process.exit(2);
  }
  return value;
};

const clientId = required('OIDC_CLIENT_ID');
const clientSecret = required('OIDC_CLIENT_SECRET');
const redirectUri = required('OIDC_REDIRECT_URI');
const port = Number(process.argv[2] ?? process.env.OIDC_PORT ?? 0);

// A fresh RS256 signing key for each run.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256' };

// Listen first: the issuer holds the port.
const server = createServer();
await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  scopes: ['openid', 'email'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  // The provider's default, strict about the code flow: the ID token carries `sub` and the
  // scopes' claims are served at the userinfo endpoint, where authkit reads them.
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: `${id}@example.test`, email_verified: true };
      },
    };
  },
  features: { devInteractions: { enabled: true } },
  jwks: { keys: [signingKey] },
  cookies: { keys: ['authkit oidc-provider test cookie key'] },
});

// The development pages' warnings are expected here.
provider.on('server_error', (ctx, err) => console.error('provider server_error:', err));

server.on('request', provider.callback());
console.log(`ready ${issuer}`);

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
