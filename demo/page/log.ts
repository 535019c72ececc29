/** An events list on the page, newest first, at most 200 lines; kind colours the line. */
export type LogKind = 'info' | 'ok' | 'warn' | 'error';
export type Log = (kind: LogKind, title: string, detail?: string) => void;

export function createLog(list: HTMLElement): Log {
  return (kind, title, detail) => {
    const item = document.createElement('li');
    item.className = kind;
    const time = document.createElement('time');
    time.textContent = new Date().toLocaleTimeString('en-GB');
    const what = document.createElement('strong');
    what.textContent = title;
    item.append(time, what);
    if (detail) {
      const more = document.createElement('span');
      more.textContent = detail;
      item.append(more);
    }
    list.prepend(item);
    while (list.children.length > 200) list.lastElementChild!.remove();
  };
}
