import { Component, type ReactNode } from 'react';

/** A screen that fails to render says so, instead of blanking the whole console. */
export class ErrorBoundary extends Component<{ children: ReactNode; resetKey: string }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidUpdate(previous: { resetKey: string }) {
    // Moving to another screen starts afresh.
    if (previous.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: null });
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="panel" role="alert">
        <h2>This screen failed to show</h2>
        <p className="error">{this.state.error.message}</p>
        <p>Reload the page, or pick another screen; if it happens again, tell your administrator what you did.</p>
      </div>
    );
  }
}
