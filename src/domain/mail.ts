// Outgoing mail, as MAIL says. `smtp`: through SMTP_URL. `files` (development, tests): each
// message is written as a .eml file under MAIL_DIR and its path logged, so a developer can
// open the link it carries. `disabled`: nothing is sent nor written, and a warning says a mail
// was dropped. A log line never holds the body nor the recipient (a reset link is a credential).
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../config/index.js';
import type { Logger } from '../logger.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface SentMail {
  messageId: string;
  /** The .eml file written, when there is no SMTP server. */
  file?: string;
}

export interface Mail {
  send(message: MailMessage): Promise<SentMail>;
  /** `send` without waiting (replies that must not depend on the mail); failures are logged. */
  sendInBackground(message: MailMessage): void;
  /**
   * Runs `work` tracked like a background send (`idle()` waits for it; failures are logged):
   * public recovery requests answer before any lookup, so their timing says nothing.
   */
  background(what: string, work: () => Promise<unknown>): void;
  /** Resolves when every background send has finished (tests, graceful shutdown). */
  idle(): Promise<void>;
}

export function createMail(deps: { config: Config; logger: Logger }): Mail {
  const { config, logger } = deps;
  const dir = resolve(config.mail.dir);
  const { mode } = config.mail;
  const transport =
    mode === 'smtp'
      ? nodemailer.createTransport(config.mail.smtpUrl!)
      : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  const pending = new Set<Promise<unknown>>();

  const send = async (message: MailMessage): Promise<SentMail> => {
    if (mode === 'disabled') {
      logger.warn({ subject: message.subject }, 'mail not sent (MAIL=disabled)');
      return { messageId: `<disabled-${randomBytes(8).toString('hex')}@ent-idp>` };
    }
    const info = await transport.sendMail({
      from: config.mail.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
    });
    if (mode === 'smtp') {
      logger.info({ messageId: info.messageId, subject: message.subject }, 'mail sent');
      return { messageId: info.messageId };
    }
    await mkdir(dir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = join(dir, `${stamp}-${randomBytes(4).toString('hex')}.eml`);
    await writeFile(file, (info as unknown as { message: Buffer }).message, { mode: 0o600 });
    logger.info({ file, subject: message.subject }, 'mail written to a file (MAIL=files)');
    return { messageId: info.messageId, file };
  };

  const track = (job: Promise<unknown>) => {
    const tracked: Promise<unknown> = job.finally(() => pending.delete(tracked));
    pending.add(tracked);
  };

  return {
    send,
    sendInBackground(message) {
      track(
        send(message).catch((err: unknown) =>
          logger.error({ err, subject: message.subject }, 'mail could not be sent'),
        ),
      );
    },
    background(what, work) {
      track(
        Promise.resolve()
          .then(work)
          .catch((err: unknown) => logger.error({ err }, `${what} failed`)),
      );
    },
    async idle() {
      while (pending.size) await Promise.allSettled([...pending]);
    },
  };
}
