// What opening or reading a virtual medium's image throws: one class with a stable `code` and the image's location
// (a path or a URL), so the control API can answer it and the SCSI layer can turn a failed read into sense data,
// while anything else, a bug, surfaces.

export const MediaErrorCode = {
  /** The location names no file and is no http(s) URL (an empty string, an unparsable URL). */
  BAD_LOCATION: 'MEDIA_BAD_LOCATION',
  /** A URL whose scheme is not http, https or file (smb://, nfs://, ftp://). */
  UNSUPPORTED_SCHEME: 'MEDIA_UNSUPPORTED_SCHEME',
  NO_SUCH_FILE: 'MEDIA_NO_SUCH_FILE',
  /** The process may not read the file. */
  NO_ACCESS: 'MEDIA_NO_ACCESS',
  /** A directory, a device, a FIFO or a socket: only regular files are images. */
  NOT_A_FILE: 'MEDIA_NOT_A_FILE',
  /** The image is 0 bytes long. */
  EMPTY_IMAGE: 'MEDIA_EMPTY_IMAGE',
  /** The image is shorter than one logical block of its drive (2048 bytes for a CD-ROM, 512 for a disk). */
  IMAGE_TOO_SMALL: 'MEDIA_IMAGE_TOO_SMALL',
  /** The server answered with a status other than the one asked for (404, 403, 500...). */
  HTTP_STATUS: 'MEDIA_HTTP_STATUS',
  /** The server ignored the Range header and answered 200 with the whole body (RFC 9110 §14.2). */
  NO_RANGE_SUPPORT: 'MEDIA_NO_RANGE_SUPPORT',
  /** The image changed while in use: another ETag, Last-Modified or length, or a file that got shorter. */
  IMAGE_CHANGED: 'MEDIA_IMAGE_CHANGED',
  /** A 206 whose Content-Range or body length is not what was asked for, or too many redirects. */
  BAD_RESPONSE: 'MEDIA_BAD_RESPONSE',
  /** The connection failed (refused, reset, TLS refused the certificate) on every attempt. */
  NETWORK: 'MEDIA_NETWORK',
  /** No whole answer within the source's timeout. */
  TIMEOUT: 'MEDIA_TIMEOUT',
  /** A read after every drive using the image let go of it (a host's command still under way at the eject). */
  CLOSED: 'MEDIA_CLOSED',
  /** A local image outside the fleet's media folders, as written or once its links are followed (media-dirs.ts). */
  OUTSIDE_MEDIA_DIRS: 'MEDIA_OUTSIDE_MEDIA_DIRS',
  /** A write would take a copy-on-write overlay past its host's or the process's byte limit. */
  OVERLAY_FULL: 'MEDIA_OVERLAY_FULL',
} as const;

export type MediaErrorCode = (typeof MediaErrorCode)[keyof typeof MediaErrorCode];

export class MediaError extends Error {
  readonly code: MediaErrorCode;
  /** The image's path or URL (without any user:password part). */
  readonly location: string;
  constructor(code: MediaErrorCode, location: string, message: string, options?: ErrorOptions) {
    super(`${location}: ${message}`, options);
    this.name = 'MediaError';
    this.code = code;
    this.location = location;
  }
}
