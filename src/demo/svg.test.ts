import { describe, expect, it } from 'vitest';
import { escapeHtml, lineChart, smooth } from './svg.js';

describe('report charts', () => {
  it('smooths by window means', () => {
    expect(smooth([[1, 1], [2, 3], [3, 5], [4, NaN]], 2)).toEqual([[2, 2], [3, 5]]);
    expect(smooth([[1, 1]], 1)).toEqual([[1, 1]]);
  });

  it('draws one path per series, a legend, the threshold line, and escapes names', () => {
    const svg = lineChart([
      { name: 'a<b', points: [[0, 0], [10, 1]] },
      { name: 'c', points: [[0, 0.5], [5, NaN], [10, 0.2]], dashed: true },
    ], { title: 'T & U', hline: { y: 0.1, label: 'warn' } });
    expect(svg.startsWith('<svg ')).toBe(true);
    expect((svg.match(/<path /g) ?? []).length).toBe(2);
    expect(svg).toContain('a&lt;b');
    expect(svg).toContain('T &amp; U');
    expect(svg).toContain('warn');
    expect(svg).not.toContain('NaN');
    expect(lineChart([{ name: 'x', points: [] }], { title: 'empty' })).toBe('');
    expect(escapeHtml('"<&>')).toBe('&quot;&lt;&amp;&gt;');
  });
});
