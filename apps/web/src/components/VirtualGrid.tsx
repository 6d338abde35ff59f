/**
 * A grid of equal tiles that renders only the rows in (or near) the viewport, so a
 * site of thousands of kiosks costs what a screenful costs. The page scrolls as a
 * whole; the grid measures its own width to know how many tiles fit in a row.
 */
import { ReactNode, useEffect, useLayoutEffect, useRef, useState } from 'react';

export function VirtualGrid<T>({
  items,
  tileWidth,
  rowHeight,
  render,
  overscan = 4,
  testId,
}: {
  items: T[];
  tileWidth: number;
  rowHeight: number;
  render(item: T): ReactNode;
  overscan?: number;
  testId?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(1200);
  const [view, setView] = useState({ top: 0, height: window.innerHeight });

  useLayoutEffect(() => {
    const el = ref.current!;
    const measure = () => setWidth(el.clientWidth || 1200);
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  useEffect(() => {
    let frame = 0;
    const onScroll = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        const rect = ref.current?.getBoundingClientRect();
        if (rect) setView({ top: -rect.top, height: window.innerHeight });
      });
    };
    onScroll();
    window.addEventListener('scroll', onScroll, { passive: true });
    window.addEventListener('resize', onScroll);
    return () => {
      cancelAnimationFrame(frame);
      window.removeEventListener('scroll', onScroll);
      window.removeEventListener('resize', onScroll);
    };
  }, []);

  const columns = Math.max(1, Math.floor(width / tileWidth));
  const rows = Math.ceil(items.length / columns);
  const first = Math.max(0, Math.floor(view.top / rowHeight) - overscan);
  const last = Math.min(rows, Math.ceil((view.top + view.height) / rowHeight) + overscan);
  const visible = [];
  for (let r = first; r < last; r++) {
    visible.push(
      <div
        key={r}
        className="vgrid-row"
        style={{ top: r * rowHeight, height: rowHeight, gridTemplateColumns: `repeat(${columns}, 1fr)` }}
      >
        {items.slice(r * columns, (r + 1) * columns).map(render)}
      </div>,
    );
  }
  return (
    <div
      ref={ref}
      className="vgrid"
      style={{ height: rows * rowHeight }}
      data-testid={testId}
      data-count={items.length}
    >
      {visible}
    </div>
  );
}
