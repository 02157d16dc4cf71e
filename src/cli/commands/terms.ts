// `ent-idp terms publish <file.md> --version <v> [--by <name>] | list`: the terms of use
// (« charte », issue 20). A published version is in force at once: every user is asked to
// accept it at their next sign-in (domain/terms.ts). A file that is empty, not UTF-8, larger
// than 200 kB or a version already published is refused, and nothing is written.
import { open } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { MAX_TERMS_BYTES } from '../../domain/terms.js';
import { CliError, registerCommand, UsageError } from '../commands.js';
import { withDomain } from '../with-domain.js';

/** The file's first MAX_TERMS_BYTES + 1 bytes: enough to tell it is too large, never more. */
async function readBounded(path: string): Promise<Uint8Array> {
  let file;
  try {
    file = await open(path, 'r');
  } catch (err) {
    throw new CliError(`terms publish: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const buffer = Buffer.alloc(MAX_TERMS_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await file.read(buffer, length, buffer.length - length, length);
      if (!bytesRead) break;
      length += bytesRead;
    }
    return buffer.subarray(0, length);
  } catch (err) {
    throw new CliError(`terms publish: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  } finally {
    await file.close();
  }
}

const operator = (env: NodeJS.ProcessEnv): string => {
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? 'operator';
  }
};

registerCommand({
  name: 'terms',
  usage: 'publish <file.md> --version <v> [--by <name>] | list',
  summary: 'publish a version of the terms of use (charte), or list the versions',
  description:
    "publish: the Markdown file (UTF-8, at most 200 kB; HTML in it is shown as text) becomes the version in force; at their next sign-in every user (pupil, parent, staff) must accept it (« J'accepte ») before reaching the application, or is signed out (« Je refuse »). The version is 1 to 32 letters, digits, dots, dashes or underscores, and cannot be published twice. --by records who published it (default: the system user). list: the versions, newest (in force) first, with how many accounts accepted each.",
  options: { version: { type: 'string' }, by: { type: 'string' } },
  async run({ positionals, values }, ctx) {
    const [action, file, extra] = positionals;
    if (action === 'list') {
      if (file || values.version || values.by) throw new UsageError('terms list: takes no argument');
      const versions = await withDomain(ctx, 'terms list', (domain) => domain.terms.list());
      if (!versions.length) ctx.print('no terms of use published');
      versions.forEach((v, i) =>
        ctx.print(
          `${v.version}\t${v.publishedAt.toISOString()}\t${v.publishedBy}\t${v.acceptances} acceptance(s)${i === 0 ? '\tin force' : ''}`,
        ),
      );
      return;
    }
    if (action !== 'publish') throw new UsageError('terms: expected "publish" or "list"');
    if (!file) throw new UsageError('terms publish: missing <file.md>');
    if (extra) throw new UsageError(`terms publish: unexpected argument "${extra}"`);
    const version = values.version;
    if (typeof version !== 'string' || !version) throw new UsageError('terms publish: missing --version <v>');
    const content = await readBounded(file);
    const by = typeof values.by === 'string' && values.by.trim() ? values.by.trim() : operator(ctx.env);
    const published = await withDomain(ctx, 'terms publish', (domain) =>
      domain.terms.publish({ version, content, publishedBy: by }),
    );
    ctx.print(`published terms of use ${published.version} (${content.byteLength} bytes): in force from now`);
  },
});
