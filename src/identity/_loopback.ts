/** True for a URL host name on this machine: localhost (and *.localhost), 127.0.0.0/8, [::1]. */
export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost") || /^127\.\d+\.\d+\.\d+$/.test(host) ||
    host === "[::1]";
}
