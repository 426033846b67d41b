import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { ApError } from '../../src/errors.js';
import { buildMultipartRelated } from '../../src/as4/mime/build.js';
import { parseMimeDump } from '../../src/as4/mime/dump.js';
import { contentIdFromCid, findPartByCid, type MimeLimits, parseHeaderValue } from '../../src/as4/mime/message.js';
import { parseMimeMessage, readMimeMessage } from '../../src/as4/mime/parse.js';

const SOAP = '<S12:Envelope xmlns:S12="http://www.w3.org/2003/05/soap-envelope"><S12:Body/></S12:Envelope>';

/** Every byte value, CRLFs, and text that looks like delimiters of other boundaries. */
function nastyBinary(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + (i >> 8)) & 0xff;
  Buffer.from('\r\n--\r\n--MIMEBoundary\r\n\n--x--\r\n').copy(b, Math.floor(size / 2));
  return b;
}

async function* chunksOf(buf: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

function throwsKind(fn: () => unknown, kind: string, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ApError, String(err));
    assert.equal(err.kind, kind, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

async function rejectsKind(p: Promise<unknown>, kind: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ApError, String(err));
    assert.equal(err.kind, kind, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

/** A hand-written multipart body; `nl` picks CRLF or bare LF. */
function handMade(nl: string, opts: { preamble?: string; epilogue?: string; attachmentHeaders?: string[]; body?: string } = {}): Buffer {
  return Buffer.from(
    (opts.preamble ?? '') +
      ['--b1', 'Content-Type: application/soap+xml; charset=UTF-8', 'Content-ID: <root@x>', '', SOAP].join(nl) +
      nl +
      [
        '--b1',
        ...(opts.attachmentHeaders ?? ['content-type: application/octet-stream', 'CONTENT-ID: att@x']),
        '',
        opts.body ?? 'payload bytes',
      ].join(nl) +
      nl +
      '--b1--' +
      (opts.epilogue ?? nl),
    'latin1',
  );
}

describe('as4: MIME multipart/related', () => {
  describe('build and parse', () => {
    it('round-trips a SOAP root and a binary attachment byte for byte', () => {
      const payload = nastyBinary(200_000);
      const built = buildMultipartRelated({ body: SOAP, contentId: 'root@ap.example' }, [{ body: payload, contentId: 'payload-1@ap.example' }]);
      assert.match(built.contentType, /^multipart\/related; boundary="[^"]+"; type="application\/soap\+xml"; start="<root@ap\.example>"$/);
      const text = built.body.toString('latin1');
      assert.ok(text.includes('Content-Type: application/soap+xml;charset=UTF-8\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <root@ap.example>\r\n'));
      assert.ok(text.includes('Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <payload-1@ap.example>\r\n'));
      assert.ok(text.endsWith(`--${built.boundary}--\r\n`));

      const m = parseMimeMessage(built.contentType, built.body);
      assert.equal(m.mediaType, 'multipart/related');
      assert.equal(m.params['type'], 'application/soap+xml');
      assert.equal(m.parts.length, 2);
      assert.equal(m.root.body.toString('utf8'), SOAP);
      assert.equal(m.root.mediaType, 'application/soap+xml');
      assert.equal(m.attachments.length, 1);
      assert.equal(m.attachments[0]!.contentId, 'payload-1@ap.example');
      assert.equal(m.attachments[0]!.contentType, 'application/octet-stream');
      assert.ok(m.attachments[0]!.body.equals(payload));
    });

    it('omits start when the root has no Content-ID and takes the first part as root', () => {
      const built = buildMultipartRelated({ body: SOAP }, [{ body: Buffer.from('x'), contentId: 'a' }]);
      assert.doesNotMatch(built.contentType, /start=/);
      const m = parseMimeMessage(built.contentType, built.body);
      assert.equal(m.root.contentId, undefined);
      assert.equal(m.root.body.toString(), SOAP);
    });

    it('uses the start parameter to find the root even when it is not the first part', () => {
      const body = Buffer.from(
        '--b\r\nContent-ID: <att>\r\n\r\nATT\r\n--b\r\nContent-Type: application/soap+xml\r\nContent-ID: <root>\r\n\r\n' + SOAP + '\r\n--b--',
      );
      const m = parseMimeMessage('multipart/related; boundary=b; start="<root>"', body);
      assert.equal(m.root.contentId, 'root');
      assert.deepEqual(m.attachments.map((a) => a.body.toString()), ['ATT']);
    });

    it('keeps empty part bodies and extra headers', () => {
      const built = buildMultipartRelated({ body: SOAP, contentId: 'r' }, [
        { body: Buffer.alloc(0), contentId: 'empty', headers: { 'Content-Description': 'nothing' } },
      ]);
      const m = parseMimeMessage(built.contentType, built.body);
      assert.equal(m.attachments[0]!.body.length, 0);
      assert.equal(m.attachments[0]!.headers['content-description'], 'nothing');
    });

    it('refuses a caller-chosen boundary that occurs in a body, and header values with line breaks', () => {
      assert.throws(() => buildMultipartRelated({ body: 'x--abc' }, [], 'abc'), /occurs in a part body/);
      assert.throws(() => buildMultipartRelated({ body: 'x', contentId: 'a\r\nX-Evil: 1' }), /line breaks/);
    });
  });

  describe('headers and boundaries', () => {
    it('parses Content-Type parameters quoted or not, in any order and case', () => {
      const variants = [
        'multipart/related; boundary="b1"; type="application/soap+xml"',
        'multipart/related;boundary=b1;type=application/soap+xml',
        'Multipart/Related; TYPE="application/soap+xml"; start-info="x"; Boundary=b1',
        'multipart/related; type="application/soap+xml";\r\n\tboundary = "b1"',
      ];
      for (const ct of variants) {
        const m = parseMimeMessage(ct, handMade('\r\n'));
        assert.equal(m.parts.length, 2, ct);
        assert.equal(m.params['boundary'], 'b1');
        assert.equal(m.params['type'], 'application/soap+xml');
      }
      const p = parseHeaderValue('multipart/related; boundary="a;b \\"c\\""; start="<x@y>"');
      assert.deepEqual(p.params, { boundary: 'a;b "c"', start: '<x@y>' });
    });

    it('reads part headers case-insensitively, unfolds folded lines, and strips Content-ID brackets', () => {
      const m = parseMimeMessage(
        'multipart/related; boundary=b1',
        handMade('\r\n', {
          attachmentHeaders: ['CONTENT-TYPE: application/octet-stream', 'Content-Id:  < att@x > ', 'X-Long: first', '  second'],
        }),
      );
      const att = m.attachments[0]!;
      assert.equal(att.contentId, 'att@x');
      assert.equal(att.headers['x-long'], 'first second');
      assert.equal(att.mediaType, 'application/octet-stream');
      const bare = parseMimeMessage('multipart/related; boundary=b1', handMade('\r\n'));
      assert.equal(bare.attachments[0]!.contentId, 'att@x'); // sent without brackets
    });

    it('accepts bare LF line ends, preamble and epilogue', () => {
      const m = parseMimeMessage(
        'multipart/related; boundary=b1',
        handMade('\n', { preamble: 'This is a preamble.\n--b1-not-a-boundary\n', epilogue: '\nepilogue text --b1\n' }),
      );
      assert.equal(m.parts.length, 2);
      assert.equal(m.root.body.toString(), SOAP);
      assert.equal(m.attachments[0]!.body.toString(), 'payload bytes');
    });

    it('treats boundary-like text in a body as content when it is not a delimiter line', () => {
      const m = parseMimeMessage('multipart/related; boundary=b1', handMade('\r\n', { body: 'line\r\n--b1xyz still body\r\n--b1\tno' }));
      assert.equal(m.parts.length, 2);
      assert.equal(m.attachments[0]!.body.toString(), 'line\r\n--b1xyz still body\r\n--b1\tno');
    });

    it('decodes binary, 8bit, base64 and quoted-printable transfer encodings', () => {
      const data = nastyBinary(3000);
      const b64 = data.toString('base64').replace(/.{76}/g, '$&\r\n');
      const body = Buffer.concat([
        Buffer.from('--b\r\nContent-Type: application/soap+xml\r\nContent-Transfer-Encoding: 8bit\r\n\r\n' + SOAP),
        Buffer.from('\r\n--b\r\nContent-Transfer-Encoding: BASE64\r\nContent-ID: <b64>\r\n\r\n' + b64),
        Buffer.from('\r\n--b\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-ID: <qp>\r\n\r\na=3Db=\r\nc=C3=A9'),
        Buffer.from('\r\n--b\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <bin>\r\n\r\n'),
        data,
        Buffer.from('\r\n--b--\r\n'),
      ]);
      const m = parseMimeMessage('multipart/related; boundary=b', body);
      assert.ok(findPartByCid(m, 'cid:b64')!.body.equals(data));
      assert.equal(findPartByCid(m, 'cid:qp')!.body.toString('utf8'), 'a=bcé');
      assert.ok(findPartByCid(m, 'cid:bin')!.body.equals(data));
      throwsKind(
        () => parseMimeMessage('multipart/related; boundary=b', Buffer.from('--b\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nx\r\n--b--')),
        'mime.malformed',
        /unsupported Content-Transfer-Encoding "x-uuencode"/,
      );
      throwsKind(
        () => parseMimeMessage('multipart/related; boundary=b', Buffer.from('--b\r\nContent-Transfer-Encoding: base64\r\n\r\n@@@@\r\n--b--')),
        'mime.malformed',
        /not valid base64/,
      );
    });

    it('resolves cid: references, percent-encoded or not', () => {
      const built = buildMultipartRelated({ body: SOAP }, [{ body: Buffer.from('p'), contentId: 'a b@x' }]);
      const m = parseMimeMessage(built.contentType, built.body);
      assert.equal(contentIdFromCid('cid:a%20b@x'), 'a b@x');
      assert.equal(findPartByCid(m, 'cid:a%20b@x')!.body.toString(), 'p');
      assert.equal(findPartByCid(m, '<a b@x>')!.body.toString(), 'p');
      assert.equal(findPartByCid(m, 'cid:other'), undefined);
    });

    it('parses a non-multipart SOAP body as one root part', () => {
      const m = parseMimeMessage('application/soap+xml; charset=UTF-8', Buffer.from(SOAP));
      assert.equal(m.parts.length, 1);
      assert.equal(m.root.body.toString(), SOAP);
      assert.equal(m.attachments.length, 0);
    });
  });

  describe('malformed input', () => {
    const ct = 'multipart/related; boundary=b1';
    it('reports a truncated body (missing closing boundary)', () => {
      const full = handMade('\r\n');
      throwsKind(() => parseMimeMessage(ct, full.subarray(0, full.length - 12)), 'mime.malformed', /truncated MIME body: part 2 has no closing boundary "--b1--"/);
    });
    it('reports a body cut inside part headers', () => {
      throwsKind(() => parseMimeMessage(ct, Buffer.from('--b1\r\nContent-Type: text/xml')), 'mime.malformed', /ends inside the headers of part 1/);
    });
    it('reports a missing boundary parameter and a body without the boundary', () => {
      throwsKind(() => parseMimeMessage('multipart/related; type="application/soap+xml"', handMade('\r\n')), 'mime.malformed', /no boundary parameter/);
      throwsKind(() => parseMimeMessage('multipart/related; boundary=zz', handMade('\r\n')), 'mime.malformed', /no MIME boundary "--zz" found/);
    });
    it('reports a start part that is not present and a message without parts', () => {
      throwsKind(() => parseMimeMessage(ct + '; start="<nope>"', handMade('\r\n')), 'mime.malformed', /start part <nope>/);
      throwsKind(() => parseMimeMessage(ct, Buffer.from('--b1--\r\n')), 'mime.malformed', /no parts/);
    });
    it('does not take a boundary followed by text for a delimiter; reports a header line without a name', () => {
      throwsKind(() => parseMimeMessage(ct, Buffer.from('--b1 junk\r\n\r\nx\r\n--b1x--')), 'mime.malformed', /no MIME boundary "--b1" found/);
      throwsKind(() => parseMimeMessage(ct, Buffer.from('--b1\r\nno colon here\r\n\r\nx\r\n--b1--')), 'mime.malformed', /header line without a name/);
    });
  });

  describe('streaming and limits', () => {
    const limits = (o: Partial<MimeLimits>): MimeLimits => ({ maxTotalBytes: 10_000_000, maxParts: 16, maxHeaderBytes: 16384, ...o });

    it('gives the same result whatever the chunk size, down to one byte', async () => {
      const payload = nastyBinary(20_000);
      const built = buildMultipartRelated({ body: SOAP, contentId: 'r@x' }, [{ body: payload, contentId: 'p@x' }, { body: Buffer.alloc(0), contentId: 'e@x' }]);
      for (const size of [1, 2, 3, 5, 13, 64, 4096]) {
        const m = await readMimeMessage(built.contentType, chunksOf(built.body, size));
        assert.equal(m.parts.length, 3, `chunk size ${size}`);
        assert.equal(m.root.body.toString(), SOAP);
        assert.ok(m.attachments[0]!.body.equals(payload), `chunk size ${size}`);
        assert.equal(m.attachments[1]!.body.length, 0);
      }
      const lf = await readMimeMessage('multipart/related; boundary=b1', chunksOf(handMade('\n', { preamble: 'pre\n' }), 1));
      assert.equal(lf.attachments[0]!.body.toString(), 'payload bytes');
    });

    it('reads a node Readable and an HTTP request with a chunked body', async () => {
      const payload = nastyBinary(300_000);
      const built = buildMultipartRelated({ body: SOAP, contentId: 'r@x' }, [{ body: payload, contentId: 'p@x' }]);
      const fromReadable = await readMimeMessage(built.contentType, Readable.from(chunksOf(built.body, 1000)));
      assert.ok(fromReadable.attachments[0]!.body.equals(payload));

      let transferEncoding: string | undefined;
      const server = createServer(async (req, res) => {
        transferEncoding = req.headers['transfer-encoding'];
        try {
          const m = await readMimeMessage(req.headers['content-type']!, req);
          res.end(m.attachments[0]!.body.equals(payload) ? 'same' : 'different');
        } catch (err) {
          res.writeHead(400).end((err as Error).message);
        }
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const port = (server.address() as AddressInfo).port;
        const answer = await new Promise<string>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port, method: 'POST', headers: { 'content-type': built.contentType } }, (res) => {
            let s = '';
            res.on('data', (d) => (s += d));
            res.on('end', () => resolve(s));
          });
          req.on('error', reject);
          for (let i = 0; i < built.body.length; i += 7000) req.write(built.body.subarray(i, i + 7000));
          req.end();
        });
        assert.equal(transferEncoding, 'chunked');
        assert.equal(answer, 'same');
      } finally {
        server.close();
      }
    });

    it('stops reading once the total size limit is exceeded', async () => {
      const built = buildMultipartRelated({ body: SOAP }, [{ body: nastyBinary(100_000), contentId: 'p' }]);
      let consumed = 0;
      async function* counting(): AsyncGenerator<Buffer> {
        for await (const c of chunksOf(built.body, 1000)) {
          consumed += c.length;
          yield c;
        }
      }
      await rejectsKind(readMimeMessage(built.contentType, counting(), limits({ maxTotalBytes: 10_000 })), 'mime.limit-exceeded', /exceeds the limit of 10000 bytes/);
      assert.ok(consumed <= 11_000, `read ${consumed} bytes`);
      throwsKind(() => parseMimeMessage(built.contentType, built.body, limits({ maxTotalBytes: 10_000 })), 'mime.limit-exceeded');
      await rejectsKind(readMimeMessage('application/soap+xml', chunksOf(built.body, 1000), limits({ maxTotalBytes: 10_000 })), 'mime.limit-exceeded');
    });

    it('enforces the part count limit', async () => {
      const many = buildMultipartRelated({ body: SOAP }, [1, 2, 3].map((i) => ({ body: Buffer.from(`a${i}`), contentId: `p${i}` })));
      await rejectsKind(readMimeMessage(many.contentType, chunksOf(many.body, 10), limits({ maxParts: 3 })), 'mime.limit-exceeded', /more than 3 parts/);
      assert.equal(parseMimeMessage(many.contentType, many.body, limits({ maxParts: 4 })).parts.length, 4);
    });

    it('enforces the header size limit per part without waiting for the header end', async () => {
      const hugeHeader = Buffer.from('--b1\r\nX-Big: ' + 'a'.repeat(50_000));
      let consumed = 0;
      async function* counting(): AsyncGenerator<Buffer> {
        for await (const c of chunksOf(hugeHeader, 500)) {
          consumed += c.length;
          yield c;
        }
      }
      await rejectsKind(readMimeMessage('multipart/related; boundary=b1', counting(), limits({ maxHeaderBytes: 2000 })), 'mime.limit-exceeded', /headers of MIME part 1 exceed 2000 bytes/);
      assert.ok(consumed <= 3000, `read ${consumed} bytes`);
    });
  });

  describe('raw dumps', () => {
    const built = buildMultipartRelated({ body: SOAP, contentId: 'root@x' }, [{ body: nastyBinary(5000), contentId: 'p@x' }]);

    it('reads a dump that starts with an HTTP response head and a stale chunked header', () => {
      const dump = Buffer.concat([
        Buffer.from(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: ${built.contentType}\r\n\r\n`),
        built.body,
      ]);
      const d = parseMimeDump(dump);
      assert.equal(d.startLine, 'HTTP/1.1 200 OK');
      assert.equal(d.chunked, 'stale-header');
      assert.equal(d.message.root.body.toString(), SOAP);
      assert.ok(d.message.attachments[0]!.body.equals(nastyBinary(5000)));
    });

    it('reads a dump with an HTTP request head and a really chunked body', () => {
      const chunks: Buffer[] = [];
      for (let i = 0; i < built.body.length; i += 999) {
        const c = built.body.subarray(i, i + 999);
        chunks.push(Buffer.from(c.length.toString(16) + ';ext=1\r\n'), c, Buffer.from('\r\n'));
      }
      chunks.push(Buffer.from('0\r\n\r\n'));
      const dump = Buffer.concat([
        Buffer.from(`POST /as4 HTTP/1.1\r\nHost: ap.example\r\nContent-Type: ${built.contentType}\r\nTransfer-Encoding: chunked\r\n\r\n`),
        ...chunks,
      ]);
      const d = parseMimeDump(dump);
      assert.equal(d.startLine, 'POST /as4 HTTP/1.1');
      assert.equal(d.chunked, 'decoded');
      assert.equal(d.headers['host'], 'ap.example');
      assert.ok(d.message.attachments[0]!.body.equals(nastyBinary(5000)));
    });

    it('reads a dump that starts with its own MIME headers (LF line ends, folded Content-Type)', () => {
      const ct = built.contentType.replace('; type=', ';\n\ttype=');
      const dump = Buffer.concat([Buffer.from(`Message-ID: <m1>\nMIME-Version: 1.0\nContent-Type: ${ct}\n\n`), built.body]);
      const d = parseMimeDump(dump);
      assert.equal(d.startLine, undefined);
      assert.equal(d.headers['mime-version'], '1.0');
      assert.equal(d.message.root.contentId, 'root@x');
      assert.equal(d.message.parts.length, 2);
    });

    it('reads a bare MIME body by its first boundary line, and a bare SOAP envelope', () => {
      const d = parseMimeDump(Buffer.concat([Buffer.from('\r\n'), built.body]));
      assert.deepEqual(d.headers, {});
      assert.equal(d.message.params['boundary'], built.boundary);
      assert.equal(d.message.parts.length, 2);
      const cxf = buildMultipartRelated({ body: SOAP, contentId: 'root.message@cxf.apache.org' }, [], 'uuid:6b3b5b1e-0c4d-4d1c-9e8f-2a1b3c4d5e6f');
      const c = parseMimeDump(cxf.body);
      assert.equal(c.message.params['boundary'], 'uuid:6b3b5b1e-0c4d-4d1c-9e8f-2a1b3c4d5e6f');
      assert.equal(c.message.root.contentId, 'root.message@cxf.apache.org');
      const s = parseMimeDump(Buffer.from(SOAP));
      assert.equal(s.message.mediaType, 'application/soap+xml');
      assert.equal(s.message.root.body.toString(), SOAP);
    });

    it('reports a head without an empty line after it', () => {
      throwsKind(() => parseMimeDump(Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n')), 'mime.malformed', /not followed by an empty line/);
    });
  });
});
