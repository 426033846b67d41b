/** Finding a receiver's access point: the SML (DNS) and the SMPs it points to. */
import { bool, int, list, matching, times } from './parsers.js';
import { variable } from './spec.js';

export const discovery = {
  sml: {
    zone: variable('SML_ZONE', matching(/^[a-z0-9.-]+$/i, 'a DNS name'), {
      default: 'participant.sml.prod.tech.peppol.org',
      description: 'SML DNS zone (test: `participant.sml.test.tech.peppol.org`)',
    }),
    /** Null: the system's resolvers. */
    dnsServers: variable('SML_DNS_SERVERS', list(/^(\d{1,3}(\.\d{1,3}){3}(:\d+)?|\[[0-9a-f:]+\](:\d+)?|[0-9a-f:]+)$/i, 'an IP address with optional :port'), {
      description: 'comma-separated `ip[:port]`',
    }),
    dnsTimeoutMs: variable('SML_DNS_TIMEOUT_MS', int(100, 60_000), { default: '3000', description: 'timeout of one DNS try' }),
    requireHttps: variable('SMP_REQUIRE_HTTPS', bool, { default: 'true', description: 'refuse SMP URLs that are not HTTPS' }),
  },
  smp: {
    timeoutMs: variable('SMP_HTTP_TIMEOUT_MS', int(100, 120_000), { default: '10000', description: 'timeout of one SMP request' }),
    cacheTtlMs: variable('SMP_CACHE_TTL_SECONDS', times(int(0, 86_400), 1000), { default: '900', description: 'lookup cache TTL (0 disables)' }),
    cacheMaxEntries: variable('SMP_CACHE_MAX_ENTRIES', int(1, 10_000_000), { default: '10000', description: 'lookup cache size' }),
  },
};
