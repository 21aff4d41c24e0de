// The product description is (sanitised) HTML. Suppliers edit it in a textarea with a few
// buttons that wrap the selection in tags, or write plain paragraphs. Pure.

export interface Edit {
  text: string
  selectionStart: number
  selectionEnd: number
}

/** Wraps text[start, end) in `before`…`after`; the selection then covers the wrapped text. */
export function wrapSelection(text: string, start: number, end: number, before: string, after: string): Edit {
  const s = Math.max(0, Math.min(start, text.length))
  const e = Math.max(s, Math.min(end, text.length))
  const inner = text.slice(s, e)
  return {
    text: text.slice(0, s) + before + inner + after + text.slice(e),
    selectionStart: s + before.length,
    selectionEnd: s + before.length + inner.length,
  }
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** Whether the text already contains markup (else it is plain paragraphs). */
export function looksLikeHtml(text: string): boolean {
  return /<\/?[a-z][a-z0-9]*(\s[^>]*)?>/i.test(text)
}

/**
 * What is sent as description_html: markup as typed (the server sanitises it), or plain
 * text turned into paragraphs (blank lines) and line breaks.
 */
export function toDescriptionHtml(text: string): string {
  const t = text.trim()
  if (t === '' || looksLikeHtml(t)) return t
  return t
    .split(/\n\s*\n/)
    .map((para) => `<p>${escapeHtml(para.trim()).replace(/\n/g, '<br>')}</p>`)
    .join('')
}
