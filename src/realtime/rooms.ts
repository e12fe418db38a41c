import type { ServerFrame } from './frames.js';

/** One open socket as the rooms see it. */
export interface Member {
  id: string;
  userId: string;
  /** Chat ids this socket joined. */
  rooms: Set<string>;
  send(text: string): void;
}

/** A frame for one chat's room; travels between instances as JSON when Redis is used. */
export interface RoomDelivery {
  chatId: string;
  /** The chat's owner: only their sockets can be in the room, and only they receive it. */
  userId: string;
  frame: ServerFrame;
  /** A socket that must not receive it (the typist). */
  exceptMember?: string;
}

/** The rooms of this instance's sockets. */
export interface Rooms {
  join(member: Member, chatId: string): void;
  leave(member: Member, chatId: string): void;
  deliver(delivery: RoomDelivery): void;
}

export function createRooms(): Rooms {
  const rooms = new Map<string, Set<Member>>();
  return {
    join(member, chatId) {
      let room = rooms.get(chatId);
      if (!room) rooms.set(chatId, (room = new Set()));
      room.add(member);
      member.rooms.add(chatId);
    },
    leave(member, chatId) {
      member.rooms.delete(chatId);
      const room = rooms.get(chatId);
      if (!room) return;
      room.delete(member);
      if (room.size === 0) rooms.delete(chatId);
    },
    deliver({ chatId, userId, frame, exceptMember }) {
      const room = rooms.get(chatId);
      if (!room) return;
      const text = JSON.stringify(frame);
      for (const member of room) {
        // Rooms hold only the owner's sockets; checking again costs nothing.
        if (member.userId !== userId || member.id === exceptMember) continue;
        member.send(text);
      }
      if (frame.type === 'chat.deleted') {
        for (const member of room) member.rooms.delete(chatId);
        rooms.delete(chatId);
      }
    },
  };
}
