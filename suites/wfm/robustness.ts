/**
 * @module Robustness where the spec is silent: what a WFM does when the same certificate is onboarded twice. The
 * behaviour is recorded; any deliberate answer passes, a server error or a dropped connection is worth a warning.
 *
 * @see spec-digest §6.18 ("Idempotency of re-onboarding the same certificate … undefined")
 */
import { defineCheck } from '../../core/check.js';
import { exchangesEvidence, note, pass, unmet } from '../expect.js';
import type { WfmCheckContext } from './context.js';
import { ACCEPTS_SIGNED_REQUEST } from './onboarding.js';
import { clientIdOf, onboardIdentity, sessionClient } from './requests.js';

/** Re-onboards the session device's certificate and records the answer. */
export const repeatedOnboarding = defineCheck<WfmCheckContext>({
  id: 'wfm.robustness.repeated-onboarding',
  title: 'Onboarding the same certificate twice gets a deliberate answer (behaviour recorded; spec is silent)',
  role: 'wfm',
  level: 'MAY',
  clause: {
    source: 'margo:device-client-onboarding',
    section: 'Onboarding API Details',
    quote: 'Response codes 201 / 400 / 403 (re-onboarding of an already onboarded certificate is not specified)',
  },
  profiles: ['rfc9421-v1', 'rfc9421-rc2'],
  requires: [ACCEPTS_SIGNED_REQUEST],
  async run(ctx) {
    const first = sessionClient(ctx);
    const again = await onboardIdentity(ctx, first.identity, 'second onboarding of the same certificate');
    const evidence = exchangesEvidence([first.exchange, again]);
    const status = again.response?.status;
    if (status === undefined) {
      return unmet('MAY', `re-onboarding got no HTTP response (${again.transportError?.code ?? 'transport failure'})`, 'a deliberate HTTP answer', 'no response', evidence);
    }
    if (status >= 500) return unmet('MAY', `re-onboarding answered with a server error ${status}`, 'a deliberate 2xx or 4xx answer', String(status), evidence);
    const second = status >= 200 && status < 300 ? clientIdOf(again) : undefined;
    const behaviour =
      second === undefined
        ? `refused or answered ${status} without a clientId`
        : second === first.clientId
          ? `answered ${status} with the same clientId (idempotent)`
          : `answered ${status} with a new clientId ${second} (the first was ${first.clientId})`;
    return pass(`repeated onboarding of one certificate: ${behaviour}`, [note(`recorded behaviour: ${behaviour}`), ...evidence]);
  },
});
