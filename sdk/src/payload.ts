/**
 * Payload encoding (PROTOCOL.md §2): a JSON value travels as `data`, any other bytes as standard
 * base64 with padding (RFC 4648 §4) in `b64`. `atob`/`btoa` exist in browsers and Node ≥ 16.
 */
export function base64ToBytes(b64: string): Uint8Array {
  const binary = atob(b64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  // Chunks keep String.fromCharCode's argument list short (engines cap it near 65 536).
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
