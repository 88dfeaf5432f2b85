// A real OpenID provider for the test suite: panva's `oidc-provider`, configured by the test
// that starts it (clients and accounts as JSON in IDP_CONFIG), listening on its own loopback
// address so its cookies never mix with the portal's.
//
// Interactions: an authorization request with `login_hint` signs that account in (and grants
// consent) without pages, so HTTP-level tests can finish the flow; without `login_hint` the
// provider's own (development) login and consent pages are used, as a browser test does.
import http from "node:http";
import Provider from "oidc-provider";

// Standard output carries only the ready line; the provider's notices go to standard error.
console.log = console.info = (...args) => console.error(...args);

const config = JSON.parse(process.env.IDP_CONFIG || "{}");
const host = config.host || "127.0.0.2";
const accounts = config.accounts || {};

const server = http.createServer();
await new Promise((resolve) => server.listen(0, host, resolve));
const { port } = server.address();
const issuer = `http://${host}:${port}`;

const provider = new Provider(issuer, {
  clients: config.clients || [],
  claims: {
    openid: ["sub", "tid", "oid"],
    email: ["email", "email_verified", "xms_edov"],
    profile: ["name", "preferred_username", "upn"],
    // Okta's way: a `groups` scope carrying the groups claim; `roles` stands for a claim a
    // configuration names itself (Entra ID app roles, say).
    groups: ["groups", "roles"],
  },
  conformIdTokenClaims: false,
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({
      sub: id,
      ...(accounts[id] || { email: `${id}@example.test`, email_verified: true, name: id }),
    }),
  }),
  features: {
    devInteractions: { enabled: true },
    // Tests register the portal as a client the way an MSP does: redirect URI in, id and secret out.
    registration: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  pkce: { required: () => true },
  cookies: { keys: ["portico-test-idp-cookie-key"] },
});
provider.proxy = false;

// Test-only: `PUT /__accounts/{id}` with a JSON body replaces that account's claims, so a test
// can change someone's groups between two sign-ins.
async function replaceAccount(req, res, id) {
  let body = "";
  for await (const chunk of req) body += chunk;
  try {
    accounts[id] = JSON.parse(body);
  } catch (error) {
    res.statusCode = 400;
    return res.end(String(error));
  }
  res.statusCode = 204;
  res.end();
}

const callback = provider.callback();
server.on("request", async (req, res) => {
  const account = req.method === "PUT" && req.url.match(/^\/__accounts\/([^/?]+)$/);
  if (account) return replaceAccount(req, res, decodeURIComponent(account[1]));
  const interaction = req.method === "GET" && req.url.match(/^\/interaction\/([^/?]+)$/);
  if (!interaction) return callback(req, res);
  try {
    const details = await provider.interactionDetails(req, res);
    const { prompt, params, session } = details;
    // Without a login hint, the provider's own pages take over.
    if (!params.login_hint) return callback(req, res);
    if (prompt.name === "login") {
      await provider.interactionFinished(req, res, { login: { accountId: String(params.login_hint) } }, { mergeWithLastSubmission: false });
      return;
    }
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    grant.addOIDCScope(String(params.scope));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  } catch (error) {
    res.statusCode = 500;
    res.end(String(error));
  }
});

process.stdout.write(JSON.stringify({ issuer, port }) + "\n");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
