import {
  ATTR_NETWORK_PROTOCOL_NAME,
  ATTR_NETWORK_TRANSPORT,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  NETWORK_TRANSPORT_VALUE_INPROC,
  NETWORK_TRANSPORT_VALUE_PIPE,
  NETWORK_TRANSPORT_VALUE_TCP,
} from '@agent-otel/semconv';
import type { Attributes } from '@opentelemetry/api';

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

function urlOf(transport: Record<string, unknown>): URL | undefined {
  // StreamableHTTPClientTransport and SSEClientTransport keep the server URL in `_url`.
  const url = transport._url;
  if (url instanceof URL) return url;
  if (typeof url === 'string') {
    try {
      return new URL(url);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * The network attributes of an MCP transport, recognised by the SDK's class names and, for
 * bundled code where names are mangled, by the fields those classes have. `server.*` only on
 * the client side of HTTP transports, where the peer is the server.
 */
export function transportAttributes(transport: unknown): Attributes {
  if (!transport || typeof transport !== 'object') return {};
  const record = transport as Record<string, unknown>;
  const name = (transport as { constructor?: { name?: string } }).constructor?.name ?? '';
  const url = urlOf(record);
  if (url) {
    const port = url.port ? Number(url.port) : DEFAULT_PORTS[url.protocol];
    return {
      [ATTR_NETWORK_TRANSPORT]: NETWORK_TRANSPORT_VALUE_TCP,
      [ATTR_NETWORK_PROTOCOL_NAME]: 'http',
      [ATTR_SERVER_ADDRESS]: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      ...(port !== undefined ? { [ATTR_SERVER_PORT]: port } : {}),
    };
  }
  if (/Stdio/i.test(name) || '_serverParams' in record || '_stdin' in record) {
    return { [ATTR_NETWORK_TRANSPORT]: NETWORK_TRANSPORT_VALUE_PIPE };
  }
  if (/HTTP|SSE/i.test(name) || 'sessionIdGenerator' in record || '_endpoint' in record) {
    return {
      [ATTR_NETWORK_TRANSPORT]: NETWORK_TRANSPORT_VALUE_TCP,
      [ATTR_NETWORK_PROTOCOL_NAME]: 'http',
    };
  }
  if (/InMemory/i.test(name) || '_otherTransport' in record) {
    return { [ATTR_NETWORK_TRANSPORT]: NETWORK_TRANSPORT_VALUE_INPROC };
  }
  return {};
}
