//! The per-tile passes of the Winograd block: the input transform, the output transform into
//! the ReLU and pool, the pool's gradient into the products' gradient, and the input gradient.
//! Tiles are numbered image by image, row-major within one, in a group of `count` images; the
//! loops walk images, tile rows and tile columns nested (no division per tile: it showed in the
//! profile) and each of the 16 transformed planes is read or written in tile order.
use super::transforms::{at_times, b_times, bt_times};
use super::Tiles;

/// `f(b, ty, tx, tile)` for every tile of a group of `count` images, in tile order.
fn each_tile(t: &Tiles, count: usize, mut f: impl FnMut(usize, usize, usize, usize)) {
    let mut tile = 0;
    for b in 0..count {
        for ty in 0..t.th {
            for tx in 0..t.tw {
                f(b, ty, tx, tile);
                tile += 1;
            }
        }
    }
}

/// Where the input tile under pooled output `(ty, tx)` starts (it may start in the padding),
/// and whether it lies wholly inside the image.
fn tile_origin(t: &Tiles, ty: usize, tx: usize) -> (isize, isize, bool) {
    let d = &t.d;
    let (y0, x0) = (
        (2 * ty) as isize - d.pad as isize,
        (2 * tx) as isize - d.pad as isize,
    );
    let inside = y0 >= 0 && x0 >= 0 && y0 + 4 <= d.height as isize && x0 + 4 <= d.width as isize;
    (y0, x0, inside)
}

/// The 4x4 input tile at `(y0, x0)` of one channel's plane, zero outside it.
fn load_tile(plane: &[f32], t: &Tiles, (y0, x0, inside): (isize, isize, bool)) -> [[f32; 4]; 4] {
    let (h, w) = (t.d.height as isize, t.d.width as isize);
    if inside {
        let start = (y0 * w + x0) as usize;
        return std::array::from_fn(|i| {
            let s = start + i * w as usize;
            plane[s..s + 4].try_into().expect("four values")
        });
    }
    std::array::from_fn(|i| {
        std::array::from_fn(|j| {
            let (y, x) = (y0 + i as isize, x0 + j as isize);
            if (0..h).contains(&y) && (0..w).contains(&x) {
                plane[(y * w + x) as usize]
            } else {
                0.0
            }
        })
    })
}

/// `V[xi, c, tile] = (B^T d B)[xi]` for every channel and tile of images `b0..b0 + count`.
pub(super) fn transform_input(v: &mut [f32], x: &[f32], t: &Tiles, b0: usize, count: usize) {
    let (cin, plane) = (t.d.in_channels, t.d.height * t.d.width);
    let n = count * t.per_image();
    for c in 0..cin {
        each_tile(t, count, |b, ty, tx, tile| {
            let at = ((b0 + b) * cin + c) * plane;
            let d = load_tile(&x[at..at + plane], t, tile_origin(t, ty, tx));
            let rows = bt_times(d);
            for (i, row) in rows.iter().enumerate() {
                for (j, value) in bt_times(*row).into_iter().enumerate() {
                    v[((4 * i + j) * cin + c) * n + tile] = value;
                }
            }
        });
    }
}

/// Each tile's outputs `A^T M A + bias`, through the ReLU into the pool: `pooled` and `argmax`
/// of images `b0..` (`[count, filters, th, tw]`), from one group's products `m`.
pub(super) fn pool_outputs(
    pooled: &mut [f32],
    argmax: &mut [u32],
    m: &[f32],
    bias: &[f32],
    t: &Tiles,
    n: usize,
) {
    let (filters, ow, count) = (t.d.filters, t.d.out_w(), n / t.per_image());
    for f in 0..filters {
        each_tile(t, count, |b, ty, tx, tile| {
            let m: [[f32; 4]; 4] = std::array::from_fn(|i| {
                std::array::from_fn(|j| m[((4 * i + j) * filters + f) * n + tile])
            });
            let y = at_times(m).map(|row| at_times(row).map(|v| (v + bias[f]).max(0.0)));
            // maxpool2d_forward's comparisons in its order: ties go to the first.
            let (mut best, mut win) = (y[0][0], (0, 0));
            for (v, rc) in [(y[0][1], (0, 1)), (y[1][0], (1, 0)), (y[1][1], (1, 1))] {
                if v > best {
                    best = v;
                    win = rc;
                }
            }
            let out = (b * filters + f) * t.per_image() + ty * t.tw + tx;
            pooled[out] = best;
            let (oy, ox) = (2 * ty + win.0, 2 * tx + win.1);
            argmax[out] = (f * t.conv_plane() + oy * ow + ox) as u32;
        });
    }
}

/// `dM = A dY A^T` for every filter and tile of a group, where `dY` (2x2) holds the pool's
/// gradient at its winner when the winner passed the ReLU, and `db += dY`.
pub(super) fn route_to_tiles(
    dm: &mut [f32],
    db: &mut [f32],
    dy: &[f32],
    argmax: &[u32],
    pooled: &[f32],
    t: &Tiles,
    n: usize,
) {
    let (filters, ow, count) = (t.d.filters, t.d.out_w(), n / t.per_image());
    for (f, db) in db.iter_mut().enumerate() {
        // dM's 16 rows for this filter (plane k's is `dm[(k * filters + f) * n..][..n]`).
        let mut rows: Vec<&mut [f32]> = dm.chunks_exact_mut(n).skip(f).step_by(filters).collect();
        each_tile(t, count, |b, ty, tx, tile| {
            let out = (b * filters + f) * t.per_image() + ty * t.tw + tx;
            let g = if pooled[out] > 0.0 { dy[out] } else { 0.0 };
            *db += g;
            // The winner's place in its window, (r, s), from its offset: 0, 1, ow or ow + 1.
            let corner = f * t.conv_plane() + 2 * ty * ow + 2 * tx;
            let offset = argmax[out] as usize - corner;
            let r = usize::from(offset >= ow);
            let s = offset - r * ow;
            debug_assert!(s < 2, "a winner outside its window");
            // Column r of A = [1 0; 1 1; 1 -1; 0 -1] as arithmetic (no table, no branch):
            // dM[i][j] = g * A[i][r] * A[j][s].
            let (r, s) = (r as f32, s as f32);
            let gi = [g * (1.0 - r), g, g * (1.0 - 2.0 * r), -g * r];
            let aj = [1.0 - s, 1.0, 1.0 - 2.0 * s, -s];
            for (i, gi) in gi.iter().enumerate() {
                for (j, aj) in aj.iter().enumerate() {
                    rows[4 * i + j][tile] = gi * aj;
                }
            }
        });
    }
}

/// `dx += B dV B^T` for every channel and tile of images `b0..b0 + count`, each 4x4 onto the
/// pixels its input tile read (the parts outside the image were padding and are dropped).
pub(super) fn scatter_input_grad(dx: &mut [f32], dv: &[f32], t: &Tiles, b0: usize, count: usize) {
    let (cin, plane) = (t.d.in_channels, t.d.height * t.d.width);
    let (h, w) = (t.d.height as isize, t.d.width as isize);
    let n = count * t.per_image();
    for c in 0..cin {
        each_tile(t, count, |b, ty, tx, tile| {
            let m: [[f32; 4]; 4] = std::array::from_fn(|i| {
                std::array::from_fn(|j| dv[((4 * i + j) * cin + c) * n + tile])
            });
            let rows = b_times(m).map(b_times);
            let at = ((b0 + b) * cin + c) * plane;
            let channel = &mut dx[at..at + plane];
            let (y0, x0, inside) = tile_origin(t, ty, tx);
            if inside {
                for (i, row) in rows.iter().enumerate() {
                    let s = ((y0 + i as isize) * w + x0) as usize;
                    for (out, g) in channel[s..s + 4].iter_mut().zip(row) {
                        *out += g;
                    }
                }
                return;
            }
            for (i, row) in rows.iter().enumerate() {
                for (j, &g) in row.iter().enumerate() {
                    let (y, x) = (y0 + i as isize, x0 + j as isize);
                    if (0..h).contains(&y) && (0..w).contains(&x) {
                        channel[(y * w + x) as usize] += g;
                    }
                }
            }
        });
    }
}
