// A tiny sparkline on a <canvas>, drawn by hand (no chart library, no build step).

/** Keeps the last `size` samples of a series. */
export class Series {
  constructor(size = 60) {
    this.size = size;
    this.values = [];
  }
  push(value) {
    this.values.push(Number.isFinite(value) ? value : 0);
    if (this.values.length > this.size) this.values.shift();
  }
  get last() {
    return this.values.length ? this.values[this.values.length - 1] : 0;
  }
}

/** Creates a canvas sized in CSS pixels, sharp on high-DPI screens. */
export function sparklineCanvas(width = 120, height = 28) {
  const canvas = document.createElement('canvas');
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  canvas.className = 'spark';
  return canvas;
}

/** Draws `values` as a filled line scaled to their maximum (zero at the bottom). */
export function drawSparkline(canvas, values, colour = '#3b82f6') {
  const ctx = canvas.getContext('2d');
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  if (values.length < 2) return;
  const max = Math.max(1e-9, ...values);
  const pad = Math.max(1, height * 0.08);
  const step = width / (values.length - 1);
  const y = (v) => height - pad - (v / max) * (height - 2 * pad);
  ctx.beginPath();
  ctx.moveTo(0, y(values[0]));
  values.forEach((v, i) => ctx.lineTo(i * step, y(v)));
  ctx.lineWidth = Math.max(1, height / 20);
  ctx.strokeStyle = colour;
  ctx.stroke();
  ctx.lineTo(width, height);
  ctx.lineTo(0, height);
  ctx.closePath();
  ctx.globalAlpha = 0.15;
  ctx.fillStyle = colour;
  ctx.fill();
  ctx.globalAlpha = 1;
}
