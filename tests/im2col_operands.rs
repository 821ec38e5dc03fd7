//! The convolution operand that packs receptive fields straight from the image
//! (`cpu::im2col::Cols`) against the written-out im2col matrix it replaces: the two weight
//! gradient products a convolution runs (`dy . cols^T`, `cols . dy^T`) must give the
//! same bits either way, since packing only moves values and the kernel then sums the same
//! numbers in the same order. Padded and valid convolutions, one and several channels, output
//! rows shorter and longer than a sliver, depth past one KC block, on the dispatched kernel and
//! the portable 4x8 one (the wasm kernel's tile, so the browser's sliver widths are covered
//! natively too).
//!
//! Runs natively (`cargo test --test im2col_operands`) and in Chromium (`wasm-pack test
//! --headless --chrome -- --test im2col_operands`).
use gradient_garden::cpu::gemm::{
    gemm_operands, gemm_operands_portable, sgemm_epilogue, sgemm_portable, Dense, Epilogue, Operand,
};
use gradient_garden::cpu::im2col::{im2col, Cols};
use gradient_garden::cpu::Conv2dDims;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test_configure!(run_in_browser);

fn values(len: usize, seed: f32) -> Vec<f32> {
    (0..len).map(|i| (i as f32 * 0.618 + seed).sin()).collect()
}

/// `(c_in, h, w, filters, kernel, pad)`: the CNN's two convolutions, 'same' padding of 1 and 2,
/// a 1x1 kernel, a wide image (output rows longer than a 16-wide sliver), depth past KC = 256.
const CASES: [(usize, usize, usize, usize, usize, usize); 7] = [
    (1, 28, 28, 32, 3, 0),
    (32, 13, 13, 64, 3, 0),
    (3, 7, 9, 5, 3, 1),
    (2, 6, 5, 7, 5, 2),
    (4, 5, 6, 3, 1, 0),
    (1, 4, 40, 2, 3, 0),
    (30, 9, 8, 3, 3, 1),
];

type Plain = fn(usize, usize, usize, &[f32], bool, &[f32], bool, &mut [f32], bool, Epilogue);

#[allow(clippy::too_many_arguments)]
fn dispatched_plain(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    at: bool,
    b: &[f32],
    bt: bool,
    c: &mut [f32],
    acc: bool,
    e: Epilogue,
) {
    sgemm_epilogue(m, k, n, a, at, b, bt, c, acc, e)
}

/// `gemm_operands` with its operand types fixed, so a kernel pair can sit in a table.
trait Packed {
    #[allow(clippy::too_many_arguments)]
    fn run<A: Operand, B: Operand>(
        &self,
        m: usize,
        k: usize,
        n: usize,
        a: A,
        b: B,
        c: &mut [f32],
        acc: bool,
        e: Epilogue,
    );
}

struct Dispatched;
struct Portable;

impl Packed for Dispatched {
    fn run<A: Operand, B: Operand>(
        &self,
        m: usize,
        k: usize,
        n: usize,
        a: A,
        b: B,
        c: &mut [f32],
        acc: bool,
        e: Epilogue,
    ) {
        gemm_operands(m, k, n, a, b, c, acc, e)
    }
}

impl Packed for Portable {
    fn run<A: Operand, B: Operand>(
        &self,
        m: usize,
        k: usize,
        n: usize,
        a: A,
        b: B,
        c: &mut [f32],
        acc: bool,
        e: Epilogue,
    ) {
        gemm_operands_portable(m, k, n, a, b, c, acc, e)
    }
}

fn assert_same_bits(got: &[f32], want: &[f32], what: &str) {
    let bad: Vec<usize> = (0..got.len())
        .filter(|&i| got[i].to_bits() != want[i].to_bits())
        .collect();
    assert!(
        bad.is_empty(),
        "{what}: {} of {} values differ; first at {}: got {} want {}",
        bad.len(),
        got.len(),
        bad[0],
        got[bad[0]],
        want[bad[0]]
    );
}

fn check(packed: &impl Packed, plain: Plain, kernel: &str) {
    for (ci, &(c_in, h, w, filters, kernel_size, pad)) in CASES.iter().enumerate() {
        let d = Conv2dDims {
            batch: 1,
            in_channels: c_in,
            height: h,
            width: w,
            filters,
            kernel: kernel_size,
            pad,
        };
        let (patch, spatial) = (c_in * kernel_size * kernel_size, d.out_h() * d.out_w());
        let x = values(c_in * h * w, ci as f32);
        let dy = values(filters * spatial, 0.75);
        let mut cols = vec![f32::NAN; patch * spatial];
        im2col(&mut cols, &x, &d);
        let what = |p: &str| format!("{kernel} {p} {d:?}");

        // Weight gradient, accumulated onto what is there: dw += dy . cols^T.
        let dy_op = Dense {
            data: &dy,
            ld: spatial,
            depth_contiguous: true,
        };
        let start = values(filters * patch, 0.1);
        let (mut got, mut want) = (start.clone(), start);
        let cols_op = Cols { x: &x, d: &d };
        packed.run(
            filters,
            spatial,
            patch,
            &dy_op,
            &cols_op,
            &mut got,
            true,
            Epilogue::NONE,
        );
        plain(
            filters,
            spatial,
            patch,
            &dy,
            false,
            &cols,
            true,
            &mut want,
            true,
            Epilogue::NONE,
        );
        assert_same_bits(&got, &want, &what("dw += dy . cols^T"));

        // Its transpose, which the convolution uses when patch < filters: dw^T = cols . dy^T.
        let (mut got, mut want) = (vec![1.0; patch * filters], vec![2.0; patch * filters]);
        packed.run(
            patch,
            spatial,
            filters,
            &cols_op,
            &dy_op,
            &mut got,
            false,
            Epilogue::NONE,
        );
        plain(
            patch,
            spatial,
            filters,
            &cols,
            false,
            &dy,
            true,
            &mut want,
            false,
            Epilogue::NONE,
        );
        assert_same_bits(&got, &want, &what("dw^T = cols . dy^T"));
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn packing_from_the_image_equals_packing_the_im2col_matrix() {
    check(&Dispatched, dispatched_plain, "dispatched");
    check(&Portable, sgemm_portable, "portable");
}
