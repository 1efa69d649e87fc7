/// <reference types="astro/client" />

declare namespace App {
  interface Locals {
    /** The signed-in user, resolved from the session cookie by src/middleware.ts; null when nobody is signed in. */
    user: { id: number; email: string; role: 'admin' | 'client' } | null;
    /** The current session's id (its hash), for sign-out; null when nobody is signed in. */
    sessionId: string | null;
  }
}
