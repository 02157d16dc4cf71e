// A published version of the terms of use is Markdown written by an operator; it is shown to
// children, so it is rendered with HTML switched off (a `<script>` in the file is shown as
// text), links limited to markdown-it's safe schemes, and nothing that the strict CSP would
// refuse (table alignment as inline styles is dropped). Its headings go one level down: the
// page's own title is the one h1.
import MarkdownIt from 'markdown-it';

const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
md.core.ruler.push('no_inline_styles', (state) => {
  for (const token of state.tokens) {
    if (token.attrs) token.attrs = token.attrs.filter(([name]) => name !== 'style');
    if (token.type === 'heading_open' || token.type === 'heading_close')
      token.tag = `h${Math.min(6, Number(token.tag.slice(1)) + 1)}`;
  }
});
// Links leave the sign-in page in a new tab, without telling the target where they came from.
md.renderer.rules.link_open = (tokens, idx, options, _env, self) => {
  tokens[idx]!.attrSet('rel', 'noopener noreferrer');
  tokens[idx]!.attrSet('target', '_blank');
  return self.renderToken(tokens, idx, options);
};

/** Safe HTML for the terms page. */
export const renderTermsMarkdown = (text: string): string => md.render(text);
