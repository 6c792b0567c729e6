import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ErrorText, Select, TextInput } from '../components/ui';
import { useSession } from '../session';

interface AuthConfig {
  localSignIn: boolean;
  roles: string[];
}

/** A sensible user id for each role on the local stack (the demo's people). */
const DEFAULT_SUB: Record<string, string> = {
  marketing_ops: 'maria',
  sdr: 'ann',
  sdr_manager: 'maya',
  sales: 'sam',
  leadership: 'lee',
  admin: 'root',
};

/** Local stack: pick a role (and, for an SDR, who); elsewhere: paste a JWT. */
export function SignIn() {
  const { signIn } = useSession();
  const config = useQuery<AuthConfig>({
    queryKey: ['/auth/config'],
    queryFn: async () => {
      const response = await fetch('/auth/config');
      if (!response.ok) throw new Error(`the console answered HTTP ${response.status}`);
      return (await response.json()) as AuthConfig;
    },
  });
  const [role, setRole] = useState('leadership');
  const [sub, setSub] = useState(DEFAULT_SUB.leadership!);
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      if (config.data?.localSignIn) {
        const response = await fetch('/auth/local-token', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ role, sub }),
        });
        const body = (await response.json().catch(() => ({}))) as { token?: string; error?: { message?: string } };
        if (!response.ok || !body.token)
          throw new Error(body.error?.message ?? `sign-in failed (HTTP ${response.status})`);
        signIn(body.token);
      } else {
        signIn(token.trim());
      }
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  const roles = (config.data?.roles ?? []).filter((r) => r !== 'service');
  return (
    <section className="panel signin" aria-labelledby="signin-title">
      <h1 id="signin-title">Sign in</h1>
      {config.error ? <ErrorText error={config.error} prefix="Could not reach the console" /> : null}
      <form onSubmit={submit}>
        {config.data?.localSignIn ? (
          <>
            <p className="muted">Local stack: choose who you are. Your role decides which screens you see.</p>
            <Select
              label="Role"
              value={role}
              options={roles}
              onChange={(r) => {
                setRole(r);
                setSub(DEFAULT_SUB[r] ?? r);
              }}
            />
            <TextInput
              label="User id"
              value={sub}
              onChange={setSub}
              required
              hint={
                role === 'sdr'
                  ? 'Your SDR id, as your manager set it up (the demo has ann, ben, chiara, dan, eve and finn).'
                  : 'Who you are, as recorded on your actions.'
              }
            />
          </>
        ) : config.data ? (
          <TextInput
            label="Token (JWT)"
            value={token}
            onChange={setToken}
            multiline
            required
            hint="Ask your administrator for a token, or run npm run --silent token -- <role> on the server."
          />
        ) : null}
        <button type="submit" disabled={busy || !config.data}>
          Sign in
        </button>
        {error ? (
          <p className="error" role="alert">
            {error}
          </p>
        ) : null}
      </form>
    </section>
  );
}
