import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeMarkup, replyToPlainText, stripMarkup, table, textReply, type Reply } from './reply.js';

describe('stripMarkup', () => {
  it('removes bold, italic, code and links, keeping the words', () => {
    assert.equal(stripMarkup('**ETH** is _up_ — see `get_price` or [the docs](https://example.com/a?b=1)'), 'ETH is up — see get_price or the docs (https://example.com/a?b=1)');
    assert.equal(stripMarkup('**_both_**'), 'both');
  });

  it('leaves snake_case names and lone symbols alone', () => {
    assert.equal(stripMarkup('try create_price_alert or get_status'), 'try create_price_alert or get_status');
    assert.equal(stripMarkup('2 * 3 = 6'), '2 * 3 = 6');
  });

  it('does not turn a non-http link into a link', () => {
    assert.equal(stripMarkup('[x](javascript:alert(1))'), '[x](javascript:alert(1))');
  });
});

describe('escapeMarkup', () => {
  it('escapes every markup character', () => {
    assert.equal(escapeMarkup('a*b_c`d[e]f\\g'), 'a\\*b\\_c\\`d\\[e\\]f\\\\g');
  });

  it('round-trips through stripMarkup: escaped text comes back exactly as it was', () => {
    const samples = [
      'plain words',
      '_foo_',
      '__init__',
      '**not bold**',
      '`not code`',
      '[not a link](https://example.com)',
      'snake_case_token',
      'a*b_c`d[e]f\\g',
      'C:\\path\\to\\file',
      'PEPE*2 _moon_ [x] `y`',
      'ends with backslash \\',
    ];
    for (const s of samples) assert.equal(stripMarkup(escapeMarkup(s)), s, JSON.stringify(s));
  });

  it('keeps escaped text literal inside real markup', () => {
    assert.equal(stripMarkup(`**${escapeMarkup('_x_')}** costs _${escapeMarkup('1*2')}_`), '_x_ costs 1*2');
  });
});

describe('replyToPlainText', () => {
  it('renders text, tables, images, progress and buttons as plain text', () => {
    const reply: Reply = {
      blocks: [
        { type: 'text', text: 'Hi **there**' },
        table(
          [
            ['eth', '$3,000'],
            ['bitcoin', '$60,000'],
          ],
          '**Prices**',
        ),
        { type: 'image', mime: 'image/png', base64: 'AAAA', alt: 'ETH 7d chart' },
        { type: 'progress', text: 'fetching quotes', fraction: 0.5 },
      ],
      buttons: [
        [
          { label: 'Yes', action: 'confirm', value: 'p1' },
          { label: 'No', action: 'cancel', value: 'p1' },
        ],
        [{ label: 'Docs', action: 'link', value: 'https://example.com' }],
      ],
    };
    assert.equal(
      replyToPlainText(reply),
      ['Hi there', 'Prices\n  eth      $3,000\n  bitcoin  $60,000', '[image: ETH 7d chart]', '… fetching quotes', '[Yes] [No]\n[Docs]'].join('\n\n'),
    );
  });

  it('gives back escaped text exactly', () => {
    const name = '_weird*token_';
    assert.equal(replyToPlainText(textReply(`Token ${escapeMarkup(name)}`)), `Token ${name}`);
  });

  it('handles an empty table and no buttons', () => {
    assert.equal(replyToPlainText(textReply('a', table([]))), 'a\n\n');
    assert.equal(replyToPlainText({ blocks: [], buttons: [] }), '');
  });
});
