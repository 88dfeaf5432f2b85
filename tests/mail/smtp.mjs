// The test suite's real SMTP server (npm `smtp-server`). Prints {"port": N} once listening,
// then one JSON line per accepted message: {"from", "to", "raw" (base64)}.
//
// SMTP_TEMPFAIL=N answers the first N messages with 451 (a passing failure, to be retried);
// recipients whose address contains "refused" get 550 (permanent); SMTP_DELAY_MS holds each
// message that long before accepting it.
//
// With SMTP_TLS_CERT and SMTP_TLS_KEY (PEM files) it offers STARTTLS with that certificate, and
// with SMTP_USER and SMTP_PASS it requires those credentials, only over TLS: nothing is taken
// from a client that has not upgraded and signed in. Each message line then tells whether it
// came over TLS ("secure") and from which user.
import { readFileSync } from "node:fs";
import { SMTPServer } from "smtp-server";

let tempFailures = Number(process.env.SMTP_TEMPFAIL || 0);
const delay = Number(process.env.SMTP_DELAY_MS || 0);

const tls = process.env.SMTP_TLS_CERT
  ? { key: readFileSync(process.env.SMTP_TLS_KEY), cert: readFileSync(process.env.SMTP_TLS_CERT) }
  : null;
const user = process.env.SMTP_USER || null;
const password = process.env.SMTP_PASS || null;

const server = new SMTPServer({
  ...(tls ? { secure: false, key: tls.key, cert: tls.cert } : { disabledCommands: ["STARTTLS"] }),
  authOptional: !user,
  allowInsecureAuth: false,
  authMethods: ["PLAIN", "LOGIN"],
  onAuth(auth, _session, callback) {
    if (user && auth.username === user && auth.password === password) {
      return callback(null, { user: auth.username });
    }
    const error = new Error("Invalid username or password");
    error.responseCode = 535;
    return callback(error);
  },
  onMailFrom(_address, session, callback) {
    if (tls && !session.secure) {
      const error = new Error("Must issue a STARTTLS command first");
      error.responseCode = 530;
      return callback(error);
    }
    callback();
  },
  logger: false,
  size: 50 * 1024 * 1024,
  onRcptTo(address, _session, callback) {
    if (address.address.includes("refused")) {
      const error = new Error("No such mailbox here");
      error.responseCode = 550;
      return callback(error);
    }
    callback();
  },
  onData(stream, session, callback) {
    const chunks = [];
    stream.on("data", (chunk) => chunks.push(chunk));
    stream.on("end", () => {
      const finish = () => {
        if (tempFailures > 0) {
          tempFailures -= 1;
          const error = new Error("Try again later");
          error.responseCode = 451;
          return callback(error);
        }
        const line = JSON.stringify({
          from: session.envelope.mailFrom && session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString("base64"),
          secure: Boolean(session.secure),
          user: session.user || null,
        });
        process.stdout.write(line + "\n");
        callback(null, "Queued");
      };
      if (delay > 0) setTimeout(finish, delay);
      else finish();
    });
  },
});

// A client that breaks off (a refused certificate, a dropped connection) ends its own session,
// never the server: without a handler, Node ends the process on the error.
server.on("error", (error) => process.stderr.write(`smtp-server: ${error.message}\n`));

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: server.server.address().port }) + "\n");
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
