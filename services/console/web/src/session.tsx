import { useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { apiCaller, type Call } from './api';

export type Role = 'marketing_ops' | 'sdr' | 'sdr_manager' | 'sales' | 'leadership' | 'admin' | 'service';

export interface Session {
  token: string;
  role: Role;
  sub: string;
  team?: string;
}

const STORAGE_KEY = 'handoff.token';

/** The claims of a JWT (not verified here: the services verify every call). */
export function sessionFromToken(token: string): Session {
  const part = token.split('.')[1];
  if (!part) throw new Error('That is not a JWT (it has no claims part).');
  let claims: { role?: Role; sub?: string; team?: string; exp?: number };
  try {
    claims = JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    throw new Error('That token’s claims could not be read.');
  }
  if (!claims.role || !claims.sub) throw new Error('That token names no role or subject.');
  if (claims.exp && claims.exp * 1000 < Date.now()) throw new Error('That token has expired.');
  return { token, role: claims.role, sub: claims.sub, ...(claims.team ? { team: claims.team } : {}) };
}

function storedSession(): Session | null {
  const token = sessionStorage.getItem(STORAGE_KEY);
  if (!token) return null;
  try {
    return sessionFromToken(token);
  } catch {
    sessionStorage.removeItem(STORAGE_KEY);
    return null;
  }
}

interface SessionState {
  session: Session | null;
  signIn: (token: string) => void;
  signOut: () => void;
  call: Call;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(storedSession);
  // Cached answers belong to whoever asked: none survive a change of user.
  const queryClient = useQueryClient();
  const signIn = useCallback(
    (token: string) => {
      const next = sessionFromToken(token);
      queryClient.clear();
      sessionStorage.setItem(STORAGE_KEY, token);
      setSession(next);
    },
    [queryClient],
  );
  const signOut = useCallback(() => {
    queryClient.clear();
    sessionStorage.removeItem(STORAGE_KEY);
    setSession(null);
  }, [queryClient]);
  const call = useMemo(() => apiCaller(session?.token ?? '', signOut), [session, signOut]);
  const value = useMemo(() => ({ session, signIn, signOut, call }), [session, signIn, signOut, call]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside SessionProvider');
  return state;
}

/** The signed-in session (screens behind sign-in only). */
export function useSignedIn(): Session & { call: Call } {
  const { session, call } = useSession();
  if (!session) throw new Error('not signed in');
  return { ...session, call };
}
