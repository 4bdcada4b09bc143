// The header every page shares: title, page links, the backend picker and the engine in use.
import { BACKENDS, requestedBackend } from './engine.js';

export function header(page: 'segment' | 'adapt'): { engine: HTMLElement } {
  const h = document.createElement('header');
  const backend = requestedBackend();
  h.innerHTML = `<h1>plca</h1>
    <nav><a href="./index.html${location.search}" class="${page === 'segment' ? 'here' : ''}">Segment</a><a href="./adapt.html${backendOnly(backend)}" class="${page === 'adapt' ? 'here' : ''}">Adapt</a></nav>
    <span><label for="backend">backend</label><select id="backend">${BACKENDS.map((b) => `<option${b === backend ? ' selected' : ''}>${b}</option>`).join('')}</select></span>
    <span class="engine" id="engine">starting the engine…</span>`;
  document.body.prepend(h);
  h.querySelector<HTMLSelectElement>('#backend')!.addEventListener('change', (e) => {
    const q = new URLSearchParams(location.search);
    q.set('backend', (e.target as HTMLSelectElement).value);
    location.search = q.toString();
  });
  return { engine: h.querySelector<HTMLElement>('#engine')! };
}

function backendOnly(b: string): string {
  return b === 'auto' ? '' : `?backend=${b}`;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, html = ''): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.innerHTML = html;
  return e;
}

/** A canvas showing RGBA pixels, scaled by `scale` (pixelated). */
export function pixelCanvas(width: number, height: number, rgba: Uint8ClampedArray<ArrayBuffer>, scale = 1): HTMLCanvasElement {
  const c = el('canvas', { class: 'px' });
  c.width = width;
  c.height = height;
  c.style.width = `${Math.round(width * scale)}px`;
  c.style.height = `${Math.round(height * scale)}px`;
  c.getContext('2d')!.putImageData(new ImageData(rgba, width, height), 0, 0);
  return c;
}

export function rgbToRgba(rgb: ArrayLike<number>, n: number): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(4 * n);
  for (let i = 0; i < n; i++) {
    out[4 * i] = rgb[3 * i];
    out[4 * i + 1] = rgb[3 * i + 1];
    out[4 * i + 2] = rgb[3 * i + 2];
    out[4 * i + 3] = 255;
  }
  return out;
}
