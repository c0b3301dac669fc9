/**
 * A platform-neutral answer. Renderers (Telegram HTML, Discord embeds, web JSON, CLI text) turn it
 * into what each platform shows; nothing here knows any platform.
 *
 * Text uses a light markup every renderer understands: **bold**, _italic_, `code`, [label](https://url).
 */
export type Block = TextBlock | TableBlock | ImageBlock | ProgressBlock;

export interface TextBlock {
  type: 'text';
  text: string;
}

export interface TableBlock {
  type: 'table';
  title?: string;
  rows: Array<[key: string, value: string]>;
}

export interface ImageBlock {
  type: 'image';
  mime: 'image/png' | 'image/svg+xml';
  /** Base64, so a Reply is plain JSON for the web and the API. */
  base64: string;
  alt: string;
}

export interface ProgressBlock {
  type: 'progress';
  text: string;
  /** 0..1 when known. */
  fraction?: number;
}

/**
 * A button. `send` puts `text` back through the assistant as if the person had typed it
 * ("yes", "price of eth"), so every platform handles a press the same way as typing.
 */
export interface Button {
  label: string;
  action: 'send' | 'confirm' | 'cancel' | 'link';
  /** The text to send for `send`, the pending-action id for `confirm`/`cancel`, the URL for `link`. */
  value: string;
}

export interface Reply {
  blocks: Block[];
  /** Rows of buttons. */
  buttons?: Button[][];
  /** Written for a private chat only (e.g. an export): a platform must not post it in a group. */
  privateOnly?: boolean;
}

/** Builds a Reply of one text block, optionally followed by more blocks. */
export function textReply(text: string, ...more: Block[]): Reply {
  return { blocks: [{ type: 'text', text }, ...more] };
}

export function table(rows: Array<[string, string]>, title?: string): TableBlock {
  return title === undefined ? { type: 'table', rows } : { type: 'table', title, rows };
}

/** Escapes light-markup characters in text that came from elsewhere (token names, user input). */
export function escapeMarkup(text: string): string {
  return text.replace(/([*_`[\]\\])/g, '\\$1');
}

/** The plain words of a Reply: markup removed, tables as `key: value` lines. Used by the CLI and logs. */
export function replyToPlainText(reply: Reply): string {
  const parts: string[] = [];
  for (const block of reply.blocks) {
    switch (block.type) {
      case 'text':
        parts.push(stripMarkup(block.text));
        break;
      case 'table': {
        const width = Math.max(0, ...block.rows.map(([k]) => k.length));
        const lines = block.rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
        parts.push([block.title ? stripMarkup(block.title) : undefined, ...lines].filter(Boolean).join('\n'));
        break;
      }
      case 'image':
        parts.push(`[image: ${block.alt}]`);
        break;
      case 'progress':
        parts.push(`… ${block.text}`);
        break;
    }
  }
  if (reply.buttons?.length) {
    parts.push(reply.buttons.map((row) => row.map((b) => `[${b.label}]`).join(' ')).join('\n'));
  }
  return parts.join('\n\n');
}

/** Removes light markup, keeping the words (links become `label (url)`). */
export function stripMarkup(text: string): string {
  // An escaped character is literal, so the markup patterns must not see it: park each one as a
  // numbered token (private-use delimiters, digits inside) and put it back at the end.
  const parked: string[] = [];
  return text
    .replace(/\\([*_`[\]\\])/g, (_match, char: string) => `\uE000${parked.push(char) - 1}\uE001`)
    .replace(/\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)/g, '$1 ($2)')
    .replace(/\*\*(.+?)\*\*/g, '$1')
    .replace(/(^|\W)_(.+?)_(?=\W|$)/g, '$1$2')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/\uE000(\d+)\uE001/g, (match, index: string) => parked[Number(index)] ?? match);
}
