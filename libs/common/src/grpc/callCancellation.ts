/**
 * How an internal call is cancelled without an AbortController: `cancel()` ends every call given
 * it. The routed client makes one per attempt, so that an attempt stuck at an instance that froze
 * can be abandoned; an AbortController and the EventTarget listeners of its signal, per internal
 * call, were about 5 % of a cluster frontend's CPU. Callers that hold an AbortSignal pass that.
 */
export class CallCancellation {
  private cancelledNow = false;
  private listeners: Array<() => void> | undefined;

  get cancelled(): boolean {
    return this.cancelledNow;
  }

  cancel(): void {
    if (this.cancelledNow) return;
    this.cancelledNow = true;
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners) for (const listener of listeners) listener();
  }

  /** Calls `listener` once when cancelled (at once if it is already); returns what stops listening. */
  onCancel(listener: () => void): () => void {
    if (this.cancelledNow) {
      listener();
      return () => undefined;
    }
    (this.listeners ??= []).push(listener);
    return () => {
      const at = this.listeners?.indexOf(listener) ?? -1;
      if (at >= 0) this.listeners!.splice(at, 1);
    };
  }
}
