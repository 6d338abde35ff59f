/**
 * @wakeward/wol — Wake-on-LAN, nothing else. No framework, no configuration.
 *
 * MAC addresses
 *   parseMac(text): Buffer               any common notation -> 6 bytes, throws MacAddressError (code MAC_INVALID)
 *   normalizeMac(text): string           -> "00:1a:2b:3c:4d:5e"
 *   formatMac(bytes), isValidMac(text)
 *
 * Packets
 *   magicPacket(mac, { password? }): Buffer   6 x 0xFF + 16 x MAC (+ 4 or 6 byte SecureOn password)
 *   parseSecureOnPassword(text | bytes)       throws SecureOnPasswordError (code SECUREON_PASSWORD_INVALID)
 *
 * Sending
 *   sendMagicPacket(mac, { address, port=9, repeat=3, intervalMs=100, broadcast=false, bindAddress?, password?, signal? })
 *     -> Promise<{ sent, bytes }>; throws WakeSendError (WOL_TARGET_INVALID | WOL_SEND_FAILED | MAC_INVALID | ...).
 *     The address is always explicit (directed broadcast or unicast); the limited broadcast is refused.
 *   sendMagicPackets([{ mac, address, port?, broadcast?, password? }], { repeat, intervalMs, bindAddress?, signal? })
 *     -> Promise<Array<{ sent, bytes, error? }>>: many kiosks at once over shared sockets, one outcome each.
 *   new MagicPacketSender({ bindAddress? }).send(targets, { repeat, intervalMs, signal? }), .close()
 *     the same, for a long-lived sender: sockets stay open and packets built between wakes.
 *
 * Subnets
 *   broadcastAddress(ip, cidrOrSubnet): string   10.1.2.17 + "24" | "10.1.2.0/24" | "255.255.255.0" -> 10.1.2.255
 *   throws SubnetError (SUBNET_INVALID | IP_INVALID | IP_NOT_IN_SUBNET)
 *   ipv4InSubnet(ip, "10.1.2.0/24"): boolean     specialUseRange(ip): "loopback (127.0.0.0/8)" | null
 *   kioskAddressRefusal(ip, { subnets, ownAddresses?, allow? }): string | null
 *     why an address may not be treated as a kiosk's (outside the declared subnets,
 *     loopback, link-local, multicast, the host's own...), or null when it may.
 */
export { MacAddressError, formatMac, isValidMac, normalizeMac, parseMac } from './mac';
export type { MacAddressErrorCode } from './mac';
export { MAGIC_PACKET_LENGTH, SecureOnPasswordError, magicPacket, parseSecureOnPassword } from './packet';
export type { SecureOnPassword } from './packet';
export { MagicPacketSender, WakeSendError, sendMagicPacket, sendMagicPackets } from './send';
export type {
  MagicPacketOutcome,
  MagicPacketTarget,
  SendMagicPacketOptions,
  SendMagicPacketResult,
  SendOptions,
} from './send';
export {
  SubnetError,
  broadcastAddress,
  intToIpv4,
  ipv4InSubnet,
  ipv4ToInt,
  isLimitedBroadcast,
  kioskAddressRefusal,
  specialUseRange,
} from './subnet';
export type { KioskAddressPolicy } from './subnet';
