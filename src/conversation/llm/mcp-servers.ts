/** One external MCP server from `MCP_SERVERS`: streamable HTTP at a URL, or a command speaking stdio. */
export type McpServerSpec = { name: string; url: string } | { name: string; command: string; args: string[] };

const NAME = /^[a-z][a-z0-9-]{0,19}$/;

/**
 * Parses `MCP_SERVERS`: comma-separated `<name>=<http(s) URL>` or `<name>=stdio:<command> [args…]`.
 *
 * @example parseMcpServers('docs=https://mcp.example.com/mcp,fs=stdio:npx -y @modelcontextprotocol/server-filesystem /srv')
 */
export function parseMcpServers(text: string): McpServerSpec[] {
  const specs: McpServerSpec[] = [];
  for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
    const eq = entry.indexOf('=');
    const name = eq > 0 ? entry.slice(0, eq).trim() : '';
    const target = entry.slice(eq + 1).trim();
    if (!NAME.test(name)) throw new Error(`has an entry "${entry}" whose name is not 1–20 lower-case letters, digits or - (starting with a letter), as in docs=https://…/mcp`);
    if (specs.some((s) => s.name === name)) throw new Error(`names the server "${name}" twice`);
    if (target.startsWith('stdio:')) {
      const [command, ...args] = target.slice('stdio:'.length).trim().split(/\s+/);
      if (!command) throw new Error(`has no command for "${name}" after stdio:`);
      specs.push({ name, command, args });
      continue;
    }
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw new Error(`has "${target}" for "${name}", which is neither an http(s) URL nor stdio:<command>`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`has "${target}" for "${name}": only http(s) URLs or stdio:<command>`);
    specs.push({ name, url: url.toString() });
  }
  return specs;
}
