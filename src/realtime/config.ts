import { intFromEnv } from '../config.js';

export interface RealtimeConfig {
  /** Largest frame a client may send; bigger ones close the socket with 1009. */
  maxFrameBytes: number;
  /** Ping interval; a socket that has not answered the previous ping by the next one is dropped. */
  heartbeatMs: number;
  /** Bytes queued to one socket beyond which it is closed (4008) instead of buffering more. */
  maxBufferedBytes: number;
  /** Rooms one socket may be in at once. */
  maxRooms: number;
  /** Frames one socket may send per minute; the rest answer `rate_limited`. */
  maxFramesPerMinute: number;
}

export function loadRealtimeConfig(env: NodeJS.ProcessEnv): RealtimeConfig {
  return {
    maxFrameBytes: intFromEnv(env, 'T66_WS_MAX_FRAME_BYTES', 64 * 1024),
    heartbeatMs: intFromEnv(env, 'T66_WS_HEARTBEAT_MS', 30_000),
    maxBufferedBytes: intFromEnv(env, 'T66_WS_MAX_BUFFERED_BYTES', 1024 * 1024),
    maxRooms: intFromEnv(env, 'T66_WS_MAX_ROOMS', 100),
    maxFramesPerMinute: intFromEnv(env, 'T66_WS_MAX_FRAMES_PER_MINUTE', 600),
  };
}
