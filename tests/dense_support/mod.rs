//! What the tests of the dense layer's zero-skipping products share: the packed products they
//! must equal bit for bit, and the bit-for-bit comparison.
use gradient_garden::cpu::gemm::{sgemm, sgemm_epilogue, Bias, Epilogue};

/// The dense layer's two products as `sgemm` runs them: `y = x . w^T + bias` (`[batch, n_out]`)
/// and `dw = dy^T . x` (`[n_out, n_in]`).
pub fn packed_products(
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    dy: &[f32],
    (batch, n_in, n_out): (usize, usize, usize),
) -> (Vec<f32>, Vec<f32>) {
    let mut y = vec![0.0; batch * n_out];
    let epilogue = Epilogue {
        bias: Bias::PerCol(bias),
        relu: false,
    };
    sgemm_epilogue(
        batch, n_in, n_out, x, false, w, true, &mut y, false, epilogue,
    );
    let mut dw = vec![0.0; n_out * n_in];
    sgemm(n_out, batch, n_in, dy, true, x, false, &mut dw, false);
    (y, dw)
}

/// `got == want` element by element (`==` also takes -0 for 0), naming the first difference.
pub fn assert_same(got: &[f32], want: &[f32], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    if let Some(i) = (0..got.len()).find(|&i| got[i] != want[i]) {
        panic!(
            "{what}: [{i}] is {}, the packed product's {}",
            got[i], want[i]
        );
    }
}
