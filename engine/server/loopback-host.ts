/**
 * Whether a host name or address stays on this machine: `localhost`, 127.0.0.0/8,
 * `::1`, and IPv4 loopback written as IPv6 (`::ffff:127.0.0.1`, how Node reports
 * an IPv4 peer on a dual-stack socket). Used both for the address a server listens
 * on and for the address a request came from. Free of Node imports, so the rules
 * can be checked anywhere.
 */
export function isLoopbackHost(host: string): boolean {
  let name = host.trim().toLowerCase();
  if (name.startsWith('[') && name.endsWith(']')) name = name.slice(1, -1);
  if (name === 'localhost' || name === 'localhost.') return true;
  if (name === '::1' || name === '0:0:0:0:0:0:0:1') return true;
  const mapped = /^(?:::ffff:|0:0:0:0:0:ffff:)(\d+\.\d+\.\d+\.\d+)$/.exec(name);
  return isLoopbackIpv4(mapped?.[1] ?? name);
}

function isLoopbackIpv4(text: string): boolean {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (match === null) return false;
  const octets = match.slice(1).map(Number);
  return octets.every((octet) => octet <= 255) && octets[0] === 127;
}
