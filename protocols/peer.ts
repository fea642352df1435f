// Where a datagram came from, or goes: what every UDP handler and sans-I/O channel is given with the bytes.
export interface Peer { address: string; port: number }
