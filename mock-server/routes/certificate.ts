/**
 * @module Certificate API (E1, unsigned): `{certificate}` = base64 of the root CA's DER, no line breaks.
 * Faults: `ca-as-raw-pem` puts the PEM text (with line breaks) in the field; `ca-not-issuer` returns a CA that did
 * not issue the TLS server certificate. After answering, the instance may switch to an imposter TLS chain
 * (scenario fault `imposter-tls-after-ca-download`).
 * @see spec-digest §5.3 items 20–21, seed "GET /onboarding/certificate → Base64-encoded Root CA certificate"
 */
import type { Exchange, Reply } from '../exchange.js';
import { jsonReply } from '../exchange.js';

/** Answers the Certificate API. */
export async function handleCertificate(ex: Exchange): Promise<Reply> {
  const { ctx } = ex;
  let certificate = Buffer.from(ctx.pki.rootCa.certDer).toString('base64');
  let verdict = 'ok';
  if (ctx.faults.has('ca-as-raw-pem')) {
    certificate = ctx.pki.rootCa.certPem;
    verdict = 'fault:ca-as-raw-pem';
  } else if (ctx.faults.has('ca-not-issuer') && ctx.unrelatedCa !== undefined) {
    certificate = Buffer.from(ctx.unrelatedCa.certDer).toString('base64');
    verdict = 'fault:ca-not-issuer';
  }
  const reply = jsonReply(ex.spec.successStatuses[0] ?? 200, { certificate }, verdict);
  await ctx.onCaDownloaded();
  return reply;
}
