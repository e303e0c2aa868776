import { Component, type ErrorInfo, type ReactNode } from 'react';

/** A screen that throws shows what broke instead of blanking the whole window; the rest keeps working. */
export class ErrorBoundary extends Component<
  { children: ReactNode; resetKey?: string },
  { error: Error | null; key: string | undefined }
> {
  override state: { error: Error | null; key: string | undefined } = { error: null, key: this.props.resetKey };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  static getDerivedStateFromProps(
    props: { resetKey?: string },
    state: { error: Error | null; key: string | undefined },
  ) {
    // Navigating elsewhere clears the error.
    return props.resetKey !== state.key ? { error: null, key: props.resetKey } : null;
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    void info;
    void error;
  }

  override render(): ReactNode {
    if (!this.state.error) return this.props.children;
    return (
      <div className="callout neg" role="alert" data-testid="screen-error">
        <div>
          <b>This screen failed to draw.</b>
          <div className="small">{this.state.error.message}</div>
          <button className="btn sm" style={{ marginTop: 8 }} onClick={() => this.setState({ error: null })}>
            Try again
          </button>
        </div>
      </div>
    );
  }
}
