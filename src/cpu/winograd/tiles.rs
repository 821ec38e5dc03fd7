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

/// An image's pooled outputs four at a time, as lane indices within the image and which lanes
/// are new: consecutive where the image has four or more (the last quad overlaps the one before
/// and rewrites its outputs with the same values), else the last output repeated. Four tiles'
/// values in one `[f32; 4]` let the compiler run the transforms and the pool as vector ops:
/// tile by tile, the output transform and the pool's gradient took 1.5 ms each of a CNN step in
/// Chromium.
fn quads(per_image: usize) -> impl Iterator<Item = ([usize; 4], [bool; 4])> {
    (0..per_image).step_by(4).map(move |s| {
        let start = s.min(per_image.saturating_sub(4));
        let lanes = std::array::from_fn(|q| (start + q).min(per_image - 1));
        (
            lanes,
            std::array::from_fn(|q| start + q >= s && start + q < per_image),
        )
    })
}

/// `values[base + lanes[q]]` for the four lanes (one vector load where they are consecutive).
/// Always inlined: left to the inliner, the output transform ran 2x slower in Chromium after an
/// unrelated change elsewhere.
#[inline(always)]
fn load4<T: Copy>(values: &[T], base: usize, lanes: [usize; 4]) -> [T; 4] {
    if lanes[3] == lanes[0] + 3 {
        let at = base + lanes[0];
        return values[at..at + 4].try_into().expect("four values");
    }
    lanes.map(|q| values[base + q])
}

/// `values[base + lanes[q]] = quad[q]` (a repeated lane gets the same value twice).
#[inline(always)]
fn store4<T: Copy>(values: &mut [T], base: usize, lanes: [usize; 4], quad: [T; 4]) {
    if lanes[3] == lanes[0] + 3 {
        let at = base + lanes[0];
        values[at..at + 4].copy_from_slice(&quad);
        return;
    }
    for (q, v) in lanes.into_iter().zip(quad) {
        values[base + q] = v;
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
    let (filters, per_image, count) = (t.d.filters, t.per_image(), n / t.per_image());
    let ow = t.d.out_w();
    // A window's pixels in maxpool2d_forward's order, as offsets from its top-left one.
    let offsets = [0, 1, ow, ow + 1];
    for (f, &bias) in bias.iter().enumerate() {
        for b in 0..count {
            let (tile0, out0) = (b * per_image, (b * filters + f) * per_image);
            for (lanes, _) in quads(per_image) {
                let m: [[[f32; 4]; 4]; 4] = std::array::from_fn(|i| {
                    std::array::from_fn(|j| {
                        load4(m, ((4 * i + j) * filters + f) * n + tile0, lanes)
                    })
                });
                let y = at_times(m)
                    .map(|row| at_times(row).map(|quad| quad.map(|v| (v + bias).max(0.0))));
                // maxpool2d_forward's comparisons in its order: ties go to the first.
                let (mut best, mut win) = (y[0][0], [0; 4]);
                for (k, v) in [y[0][1], y[1][0], y[1][1]].into_iter().enumerate() {
                    for q in 0..4 {
                        if v[q] > best[q] {
                            best[q] = v[q];
                            win[q] = offsets[k + 1];
                        }
                    }
                }
                store4(pooled, out0, lanes, best);
                let base = f * t.conv_plane();
                let at = std::array::from_fn(|q| (base + t.corners[lanes[q]] + win[q]) as u32);
                store4(argmax, out0, lanes, at);
            }
        }
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
    let (filters, per_image, count) = (t.d.filters, t.per_image(), n / t.per_image());
    let ow = t.d.out_w();
    for (f, db) in db.iter_mut().enumerate() {
        for b in 0..count {
            let (tile0, out0) = (b * per_image, (b * filters + f) * per_image);
            for (lanes, new) in quads(per_image) {
                let (p, d) = (load4(pooled, out0, lanes), load4(dy, out0, lanes));
                let g: [f32; 4] = std::array::from_fn(|q| if p[q] > 0.0 { d[q] } else { 0.0 });
                for q in 0..4 {
                    if new[q] {
                        *db += g[q];
                    }
                }
                // The winner's place in its window, (r, s), from its offset: 0, 1, ow or ow + 1.
                let won = load4(argmax, out0, lanes);
                let base = f * t.conv_plane();
                let offset: [usize; 4] =
                    std::array::from_fn(|q| won[q] as usize - base - t.corners[lanes[q]]);
                let r = offset.map(|o| usize::from(o >= ow));
                let s: [usize; 4] = std::array::from_fn(|q| offset[q] - r[q] * ow);
                debug_assert!(s.iter().all(|&s| s < 2), "a winner outside its window");
                // Column r of A = [1 0; 1 1; 1 -1; 0 -1] as arithmetic (no table, no branch):
                // dM[i][j] = g * A[i][r] * A[j][s].
                let (r, s) = (r.map(|r| r as f32), s.map(|s| s as f32));
                let gi: [[f32; 4]; 4] = [
                    std::array::from_fn(|q| g[q] * (1.0 - r[q])),
                    g,
                    std::array::from_fn(|q| g[q] * (1.0 - 2.0 * r[q])),
                    std::array::from_fn(|q| -g[q] * r[q]),
                ];
                let aj: [[f32; 4]; 4] = [
                    s.map(|s| 1.0 - s),
                    [1.0; 4],
                    s.map(|s| 1.0 - 2.0 * s),
                    s.map(|s| -s),
                ];
                for (i, gi) in gi.iter().enumerate() {
                    for (j, aj) in aj.iter().enumerate() {
                        let quad = std::array::from_fn(|q| gi[q] * aj[q]);
                        // dM plane 4i + j, this filter's row.
                        let row = ((4 * i + j) * filters + f) * n;
                        store4(dm, row + tile0, lanes, quad);
                    }
                }
            }
        }
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
