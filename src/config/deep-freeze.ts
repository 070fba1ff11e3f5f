/**
 * Freezing a parsed configuration all the way down. A configuration that
 * crossed from the parsing worker arrives as a structured clone, which is not
 * frozen, so the daemon's side freezes it again.
 */
export function deepFreeze<T>(value: T): T {
  // Byte buffers cannot be frozen, and a frozen RegExp could not keep its lastIndex.
  if (ArrayBuffer.isView(value) || value instanceof RegExp) return value;
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
