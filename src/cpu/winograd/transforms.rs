//! The transforms of Winograd F(2x2, 3x3) as small matrix products (`B^T`, `G`, `A^T` and
//! their transposes), written once for single values and for rows of four, and the filter side:
//! `U = G g G^T` and its gradient `dw = G^T dU G`.

/// `U[xi, f, c] = (G g G^T)[xi]` for every filter `g = w[f, c]`, `G = [1 0 0; .5 .5 .5;
/// .5 -.5 .5; 0 0 1]` (the halves are exact in floats).
pub(super) fn transform_filters(u: &mut [f32], w: &[f32], cout: usize, cin: usize) {
    let plane = cout * cin;
    for (fc, g) in w.chunks_exact(9).enumerate() {
        // G g (4x3), then (G g) G^T (4x4), row by row.
        let rows = [0, 3, 6].map(|r| [g[r], g[r + 1], g[r + 2]]);
        let gg = g_times(rows);
        for (i, row) in gg.iter().enumerate() {
            let out = g_times(*row);
            for (j, &value) in out.iter().enumerate() {
                u[(4 * i + j) * plane + fc] = value;
            }
        }
    }
}

/// `G v` for `G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]`, on three values or three rows.
pub(super) fn g_times<T: Copy + Lin>(v: [T; 3]) -> [T; 4] {
    let half = v[0].add(v[2]).scale(0.5);
    [
        v[0],
        half.add(v[1].scale(0.5)),
        half.sub(v[1].scale(0.5)),
        v[2],
    ]
}

/// The little linear algebra the transforms share between single values and rows of four.
pub(super) trait Lin: Sized {
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    fn scale(self, s: f32) -> Self;
}

impl Lin for f32 {
    fn add(self, o: f32) -> f32 {
        self + o
    }
    fn sub(self, o: f32) -> f32 {
        self - o
    }
    fn scale(self, s: f32) -> f32 {
        self * s
    }
}

/// Element by element: rows of values, or rows of four tiles' values (`[[f32; 4]; 4]`).
impl<T: Lin + Copy, const N: usize> Lin for [T; N] {
    fn add(self, o: Self) -> Self {
        std::array::from_fn(|i| self[i].add(o[i]))
    }
    fn sub(self, o: Self) -> Self {
        std::array::from_fn(|i| self[i].sub(o[i]))
    }
    fn scale(self, s: f32) -> Self {
        self.map(|v| v.scale(s))
    }
}

/// `dw[f, c] = G^T dU[., f, c] G` (3x3 from 4x4).
pub(super) fn untransform_filter_grad(dw: &mut [f32], du: &[f32], cout: usize, cin: usize) {
    let plane = cout * cin;
    for (fc, out) in dw.chunks_exact_mut(9).enumerate() {
        let tile: [[f32; 4]; 4] =
            std::array::from_fn(|i| std::array::from_fn(|j| du[(4 * i + j) * plane + fc]));
        let rows = g_transpose_times(tile);
        for (i, row) in rows.iter().enumerate() {
            out[3 * i..3 * i + 3].copy_from_slice(&g_transpose_times(*row));
        }
    }
}

/// `G^T v` (the transpose of [`g_times`]), on four values or four rows.
pub(super) fn g_transpose_times<T: Copy + Lin>(v: [T; 4]) -> [T; 3] {
    let (half1, half2) = (v[1].scale(0.5), v[2].scale(0.5));
    [
        v[0].add(half1).add(half2),
        half1.sub(half2),
        half1.add(half2).add(v[3]),
    ]
}

/// `B^T v` for `B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]`.
pub(super) fn bt_times<T: Copy + Lin>(v: [T; 4]) -> [T; 4] {
    [
        v[0].sub(v[2]),
        v[1].add(v[2]),
        v[2].sub(v[1]),
        v[1].sub(v[3]),
    ]
}

/// `B v` (the transpose of [`bt_times`]).
pub(super) fn b_times<T: Copy + Lin>(v: [T; 4]) -> [T; 4] {
    [
        v[0],
        v[1].sub(v[2]).add(v[3]),
        v[1].add(v[2]).sub(v[0]),
        v[3].scale(-1.0),
    ]
}

/// `A^T m` for `A^T = [1 1 1 0; 0 1 -1 -1]`.
pub(super) fn at_times<T: Copy + Lin>(m: [T; 4]) -> [T; 2] {
    [m[0].add(m[1]).add(m[2]), m[1].sub(m[2]).sub(m[3])]
}
