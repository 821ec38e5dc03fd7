//! How the model sits in GPU memory and how a matmul is described: the flat parameter layout
//! (one buffer for all tensors, so the optimizer is one dispatch), buffer views, and the matmul
//! shape/stride record with its tile-variant choice.
use super::kernels::Kernel;
use crate::error::Result;
use crate::spec::{Activation, Io, ModelSpec};

/// Where each parameter tensor sits in the flat parameter / gradient / optimizer buffers. Offsets
/// are aligned to 64 floats (256 bytes), the largest storage-binding offset alignment WebGPU allows.
#[derive(Clone, Debug)]
pub struct ParamLayout {
    /// `(name, shape, offset in floats)` in state_dict order.
    pub tensors: Vec<(String, Vec<usize>, usize)>,
    pub total: usize,
    /// The model's input and output widths (MNIST's, or the plane's), which every net checks
    /// its spec against.
    pub io: Io,
}

pub const PARAM_ALIGN: usize = 64;

impl ParamLayout {
    /// The layout of a model of `io`'s widths (`Io::MNIST` for every MNIST model).
    pub fn for_io(spec: &ModelSpec, io: Io) -> Result<Self> {
        let mut tensors = Vec::new();
        let mut at = 0;
        for p in spec.param_facts_for(io)? {
            let n: usize = p.fact.shape.iter().product();
            tensors.push((p.name, p.fact.shape, at));
            at = (at + n).next_multiple_of(PARAM_ALIGN);
        }
        Ok(Self {
            tensors,
            total: at.max(PARAM_ALIGN),
            io,
        })
    }

    /// `(offset, len)` of tensor `name`.
    pub fn range(&self, name: &str) -> (usize, usize) {
        let t = self
            .tensors
            .iter()
            .find(|t| t.0 == name)
            .expect("tensor named by the spec");
        (t.2, t.1.iter().product())
    }
}

/// A sub-range of a buffer in floats, as a binding.
pub fn view(buffer: &wgpu::Buffer, offset: usize, len: usize) -> wgpu::BindingResource<'_> {
    wgpu::BindingResource::Buffer(wgpu::BufferBinding {
        buffer,
        offset: 4 * offset as u64,
        size: std::num::NonZeroU64::new(4 * len.max(1) as u64),
    })
}

/// The matmul's strides (see shaders/matmul.wgsl): `C[z](m,n) = act(sum_k A[z](m,k) B[z](k,n) + bias)`.
#[derive(Clone, Copy, Debug, Default)]
pub struct MatmulShape {
    pub m: u32,
    pub n: u32,
    pub k: u32,
    pub sam: u32,
    pub sak: u32,
    pub sbk: u32,
    pub sbn: u32,
    pub scm: u32,
    pub scn: u32,
    pub za: u32,
    pub zb: u32,
    pub zc: u32,
    /// 0 none, 1 per column, 2 per row.
    pub bias_mode: u32,
    /// 0 none, 1 relu, 2 sigmoid, 3 tanh.
    pub act: u32,
    /// Split-K: the full K when batch `z` is the z-th slice of K (0 = not split).
    pub k_total: u32,
    pub batches: u32,
}

/// How a matrix operand of [`MatmulShape::product`] lies in its (packed) buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored {
    /// As the product reads it: A as m x k, B as k x n.
    AsIs,
    /// Transposed: A as k x m, B as n x k (e.g. a dense layer's weights, out x in).
    Transposed,
}

impl MatmulShape {
    /// One product `C[m, n] = A[m, k] B[k, n]` of packed matrices, C row-major: the strides
    /// follow from the sizes and how A and B are stored. No bias, no activation.
    pub fn product(m: u32, n: u32, k: u32, a: Stored, b: Stored) -> Self {
        let (sam, sak) = match a {
            Stored::AsIs => (k, 1),
            Stored::Transposed => (1, m),
        };
        let (sbk, sbn) = match b {
            Stored::AsIs => (n, 1),
            Stored::Transposed => (1, k),
        };
        Self {
            m,
            n,
            k,
            sam,
            sak,
            sbk,
            sbn,
            scm: n,
            scn: 1,
            batches: 1,
            ..Default::default()
        }
    }

    pub fn words(&self) -> [u32; 16] {
        [
            self.m,
            self.n,
            self.k,
            self.sam,
            self.sak,
            self.sbk,
            self.sbn,
            self.scm,
            self.scn,
            self.za,
            self.zb,
            self.zc,
            self.bias_mode,
            self.act,
            self.k_total,
            0,
        ]
    }

    /// The tile variant for this shape: 32x32 tiles when either side is thin (a 64-wide tile
    /// would mostly compute padding) or 64-wide tiles would leave most of the device idle.
    pub fn kernel(&self) -> Kernel {
        let big_tiles = self.m.div_ceil(64) * self.n.div_ceil(64) * self.batches.max(1);
        if self.m <= 32 || self.n <= 32 || big_tiles < 16 {
            Kernel::MatmulSmall
        } else {
            Kernel::Matmul
        }
    }

    /// [`Self::kernel`], or on software adapters (`direct` set) a barrier-free kernel: with
    /// `Some(MatmulDirectWide)` 8x8 blocks in 64x64 tiles (32x64 for products at most 32 tall)
    /// where the product has at least four such tiles (a thin or small one would mostly compute
    /// padding, or leave a CPU thread idle), else 4x4 blocks in 32x16 tiles for products at most
    /// 16 wide and 32x32 tiles for the rest; always 4x4 blocks in 32x32 tiles with
    /// `Some(MatmulDirect)`.
    pub fn pick(&self, direct: Option<Kernel>) -> Kernel {
        match direct {
            None => self.kernel(),
            Some(Kernel::MatmulDirectWide) => {
                let wide_tiles = self.m.div_ceil(64) * self.n.div_ceil(64) * self.batches.max(1);
                let flat_tiles = self.m.div_ceil(32) * self.n.div_ceil(64) * self.batches.max(1);
                if self.m >= 64 && self.n >= 64 && wide_tiles >= 4 {
                    Kernel::MatmulDirectWide
                } else if self.m <= 32 && self.n >= 64 && flat_tiles >= 4 {
                    Kernel::MatmulDirectFlat
                } else if self.n <= 16 {
                    Kernel::MatmulDirectNarrow
                } else {
                    Kernel::MatmulDirect
                }
            }
            Some(_) => Kernel::MatmulDirect,
        }
    }

    /// Output rows per workgroup of a matmul kernel.
    pub fn tile(kernel: Kernel) -> u32 {
        if matches!(
            kernel,
            Kernel::MatmulSmall
                | Kernel::MatmulDirect
                | Kernel::MatmulDirectNarrow
                | Kernel::MatmulDirectFlat
        ) {
            32
        } else {
            64
        }
    }

    /// Output columns per workgroup of a matmul kernel.
    pub fn tile_n(kernel: Kernel) -> u32 {
        match kernel {
            Kernel::MatmulDirectNarrow => 16,
            Kernel::MatmulDirectFlat => 64,
            _ => Self::tile(kernel),
        }
    }

    /// Workgroups for `kernel` (one of the matmul variants).
    pub fn groups_for(&self, kernel: Kernel) -> [u32; 3] {
        [
            self.n.div_ceil(Self::tile_n(kernel)),
            self.m.div_ceil(Self::tile(kernel)),
            self.batches.max(1),
        ]
    }
}

pub fn act_code(a: Activation) -> u32 {
    match a {
        Activation::Relu => 1,
        Activation::Sigmoid => 2,
        Activation::Tanh => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_holds_the_spec_tensors_in_order_aligned_and_apart() {
        for spec in [ModelSpec::mlp(), ModelSpec::cnn()] {
            let layout = ParamLayout::for_io(&spec, Io::MNIST).unwrap();
            let names: Vec<(String, Vec<usize>)> = layout
                .tensors
                .iter()
                .map(|(n, s, _)| (n.clone(), s.clone()))
                .collect();
            assert_eq!(names, spec.param_shapes().unwrap());
            let mut end = 0;
            for (name, shape, at) in &layout.tensors {
                assert_eq!(at % PARAM_ALIGN, 0, "{name}");
                assert!(*at >= end, "{name} overlaps the tensor before it");
                end = at + shape.iter().product::<usize>();
                assert_eq!(layout.range(name), (*at, end - at));
            }
            assert!(layout.total >= end);
        }
    }
}
