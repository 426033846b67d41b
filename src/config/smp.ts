/** The SMP we publish for the participants hosted here. */
import { certificateFile, httpUrl, privateKeyFile } from './parsers.js';
import { together, variable } from './spec.js';

export const smp = together(
  {
    /** Its path is where the SMP is mounted (https://ap.example/smp → /smp). */
    publicUrl: variable('SMP_PUBLIC_URL', httpUrl, { description: 'public base URL of our SMP' }),
    privateKey: variable('SMP_KEY_FILE', privateKeyFile, { description: 'PEM private key our SMP signs its answers with' }),
    certificate: variable('SMP_CERT_FILE', certificateFile, { description: 'PEM certificate of that key' }),
  },
  {
    purpose: 'publish our SMP',
    needs: { names: ['AP_KEY_FILE', 'AP_CERT_FILE', 'AP_ENDPOINT_URL'], why: 'our SMP publishes our AS4 endpoint and certificate' },
    check: ({ privateKey, certificate }) =>
      certificate.x509.checkPrivateKey(privateKey.key) ? null : `SMP_KEY_FILE=${privateKey.file}: not the key of the certificate in SMP_CERT_FILE=${certificate.file}`,
  },
);
