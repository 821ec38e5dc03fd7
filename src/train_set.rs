//! What a backend trains on ([`TrainSet`], borrowed for one upload): MNIST's byte images with
//! digit labels, or the plane's feature rows (src/points/) with class labels or regression
//! values. Both backends take the same type and check it the same way ([`TrainSet::check`]), so
//! a set one accepts the other accepts too.
use crate::error::{Error, Result};
use crate::spec::{Io, Loss, IMAGE_PIXELS};

/// The inputs of every sample, in order.
#[derive(Clone, Copy, Debug)]
pub enum TrainInputs<'a> {
    /// `n * 784` bytes, scaled by 1/255 on use (MNIST's hot path: a quarter of f32's upload).
    Images(&'a [u8]),
    /// `n * inputs` values: one row of the model's input width per sample, used as they are.
    Features(&'a [f32]),
}

/// What every sample is to be predicted as, in the same order.
#[derive(Clone, Copy, Debug)]
pub enum TrainTargets<'a> {
    /// One class per sample, below the model's output count; the spec's loss applies.
    Classes(&'a [u8]),
    /// `n * outputs` values, learned with PyTorch `MSELoss` (mean over every output); the spec's
    /// loss must be `mse`.
    Values(&'a [f32]),
}

#[derive(Clone, Copy, Debug)]
pub struct TrainSet<'a> {
    pub inputs: TrainInputs<'a>,
    pub targets: TrainTargets<'a>,
}

impl<'a> TrainSet<'a> {
    /// MNIST's form: byte images and digit labels.
    pub fn images(images: &'a [u8], labels: &'a [u8]) -> Self {
        Self {
            inputs: TrainInputs::Images(images),
            targets: TrainTargets::Classes(labels),
        }
    }

    /// Samples in the set (as the targets count them; [`TrainSet::check`] matches the inputs).
    pub fn len(&self, io: Io) -> usize {
        match self.targets {
            TrainTargets::Classes(labels) => labels.len(),
            TrainTargets::Values(values) => values.len() / io.outputs.max(1),
        }
    }

    /// Everything a backend relies on, checked against the model's widths and loss: whole
    /// inputs of the right width for each target, labels below the output count, finite values.
    /// Returns the sample count.
    pub fn check(&self, io: Io, loss: Loss) -> Result<usize> {
        let n = self.len(io);
        if n == 0 {
            return Err(Error::Data("the training set is empty".into()));
        }
        match self.inputs {
            TrainInputs::Images(images) => {
                if io.inputs != IMAGE_PIXELS || images.len() != n * IMAGE_PIXELS {
                    return Err(Error::Data(format!(
                        "{} image bytes for {n} samples of a model with {} inputs \
                         (images need 784 per sample and a 784-input model)",
                        images.len(),
                        io.inputs
                    )));
                }
            }
            TrainInputs::Features(rows) => {
                if rows.len() != n * io.inputs {
                    return Err(Error::Data(format!(
                        "{} feature values for {n} samples of {} features",
                        rows.len(),
                        io.inputs
                    )));
                }
                if let Some(i) = rows.iter().position(|v| !v.is_finite()) {
                    return Err(Error::Data(format!("feature value {i} is {}", rows[i])));
                }
            }
        }
        match self.targets {
            TrainTargets::Classes(labels) => {
                if let Some(bad) = labels.iter().find(|&&l| l as usize >= io.outputs) {
                    return Err(Error::Data(if io.outputs == 10 {
                        format!("label {bad} is not a digit")
                    } else {
                        format!("label {bad} is not a class of 0..{}", io.outputs)
                    }));
                }
            }
            TrainTargets::Values(values) => {
                if values.len() != n * io.outputs {
                    return Err(Error::Data(format!(
                        "{} target values are not {} per sample",
                        values.len(),
                        io.outputs
                    )));
                }
                if loss != Loss::Mse {
                    return Err(Error::Data(
                        "value targets are learned with the mse loss; the spec's is another".into(),
                    ));
                }
                if let Some(i) = values.iter().position(|v| !v.is_finite()) {
                    return Err(Error::Data(format!("target value {i} is {}", values[i])));
                }
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLANE: Io = Io {
        inputs: 2,
        outputs: 3,
    };

    #[test]
    fn check_names_what_is_wrong() {
        let rows = [0.5f32; 4];
        let ok = TrainSet {
            inputs: TrainInputs::Features(&rows),
            targets: TrainTargets::Classes(&[0, 2]),
        };
        assert_eq!(ok.check(PLANE, Loss::SoftmaxCrossEntropy).unwrap(), 2);
        let label = TrainSet {
            targets: TrainTargets::Classes(&[0, 3]),
            ..ok
        };
        let e = label.check(PLANE, Loss::SoftmaxCrossEntropy).unwrap_err();
        assert!(e.to_string().contains("label 3"), "{e}");
        let short = TrainSet {
            inputs: TrainInputs::Features(&rows[..3]),
            ..ok
        };
        assert!(short.check(PLANE, Loss::SoftmaxCrossEntropy).is_err());
        let io1 = Io {
            inputs: 2,
            outputs: 1,
        };
        let values = TrainSet {
            inputs: TrainInputs::Features(&rows),
            targets: TrainTargets::Values(&[0.5, -0.5]),
        };
        assert_eq!(values.check(io1, Loss::Mse).unwrap(), 2);
        let e = values.check(io1, Loss::SoftmaxCrossEntropy).unwrap_err();
        assert!(e.to_string().contains("mse"), "{e}");
        let nan = TrainSet {
            targets: TrainTargets::Values(&[0.5, f32::NAN]),
            ..values
        };
        assert!(nan.check(io1, Loss::Mse).is_err());
        let images = TrainSet::images(&[0; 784], &[1]);
        assert!(images.check(PLANE, Loss::SoftmaxCrossEntropy).is_err());
        assert_eq!(
            images.check(Io::MNIST, Loss::SoftmaxCrossEntropy).unwrap(),
            1
        );
    }
}
