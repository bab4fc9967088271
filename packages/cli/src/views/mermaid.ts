/**
 * A node label for a mermaid diagram: resource types, ids and names come from outside (a cloud, a
 * file name), so quotes, angle brackets and control characters (a newline would end the node) are
 * replaced by mermaid's entity codes or a space.
 */
export function mermaidLabel(text: string): string {
  return Array.from(text, (c) => (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f ? ' ' : c))
    .join('')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;');
}
