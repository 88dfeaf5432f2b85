// The test suite's real SMTP server (npm `smtp-server`). Prints {"port": N} once listening,
// then one JSON line per accepted message: {"from", "to", "raw" (base64)}.
//
// SMTP_TEMPFAIL=N answers the first N messages with 451 (a passing failure, to be retried);
// recipients whose address contains "refused" get 550 (permanent); SMTP_DELAY_MS holds each
// message that long before accepting it.
import { SMTPServer } from "smtp-server";

let tempFailures = Number(process.env.SMTP_TEMPFAIL || 0);
const delay = Number(process.env.SMTP_DELAY_MS || 0);

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS"],
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
        });
        process.stdout.write(line + "\n");
        callback(null, "Queued");
      };
      if (delay > 0) setTimeout(finish, delay);
      else finish();
    });
  },
});

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: server.server.address().port }) + "\n");
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
