import Runtime

extension BuiltinRegistry {
  static func registerData(_ r: BuiltinRegistry) {
    func wrap(_ d: Dataset) -> Value { .object(DatasetObject(d)) }

    r.add("fashion_mnist(split: \"train\", path: nil)", category: "data",
          doc: "Loads Fashion-MNIST (train: 60000, test: 10000 grey 28x28 images, 10 classes).",
          help: "Reads the IDX files (gzip or plain) from `path`, else $RSLAB_DATA, else /usr/share/datasets/fashion-mnist.",
          example: "ds = fashion_mnist(split: \"test\")") { a in
      wrap(try Dataset.fashionMNIST(split: try a.string(0), path: try a.optionalString(1)))
    }
    r.add("cifar10(path, split: \"train\")", category: "data",
          doc: "Loads CIFAR-10 from its binary batches (data_batch_*.bin, test_batch.bin).",
          help: "`path` is the folder with the .bin files or its parent; class names come from batches.meta.txt when present.",
          example: "ds = cifar10(\"/data/cifar-10-batches-bin\")", needsFiles: true) { a in
      wrap(try Dataset.cifar10(path: try a.string(0), split: try a.string(1)))
    }
    r.add("cifar100(path, split: \"train\")", category: "data",
          doc: "Loads CIFAR-100 (fine labels) from train.bin / test.bin.",
          help: "Class names come from fine_label_names.txt when present.",
          example: "ds = cifar100(\"/data/cifar-100-binary\")", needsFiles: true) { a in
      wrap(try Dataset.cifar100(path: try a.string(0), split: try a.string(1)))
    }
    r.add("image_folder(path, synthetic: false)", category: "data",
          doc: "Loads a folder with one subfolder of PNG images per class.",
          help: "Classes are the subfolders sorted by name (or listed in classes.txt). All images must have one size; grey files give 1 channel, otherwise 3. synthetic: true marks every image synthetic.",
          example: "gen = image_folder(\"generated/\", synthetic: true)", needsFiles: true) { a in
      wrap(try Dataset.imageFolder(path: try a.string(0), synthetic: try a.bool(1), cancellation: a.context.cancellation))
    }
    r.add("from_tensors(images, labels, classes: nil)", category: "data",
          doc: "A dataset from an image tensor [N, C, H, W] in [0, 1] and a list or tensor of labels.",
          help: "Images are stored as 8-bit pixels (rounded, clipped). classes: a list of class names, or a dataset whose class names to use (needed to mix or concatenate with it); default \"0\", \"1\", ...",
          example: "ds = from_tensors(rand([4, 1, 8, 8], seed: 1), [0, 1, 0, 1])") { a in
      let labels = try a.intList(1)
      var names: [String]?
      switch a[2] {
      case .null: names = nil
      case .object(let o as DatasetObject): names = o.dataset.classNames
      case .list(let l):
        names = try l.items.map { v throws(ScriptError) -> String in
          guard case .string(let s) = v else { throw a.error(2, "list of class names expected, got a list containing \(v.typeName)") }
          return s
        }
      default: throw a.typeError(2, "list of class names or dataset")
      }
      return wrap(try Dataset.fromTensors(images: try a.tensor(0), labels: labels, classNames: names))
    }
    r.add("subset(ds, idx)", category: "data",
          doc: "The samples at the given indices (a list, a range or a tensor of integers).",
          example: "s = subset(fashion_mnist(split: \"test\"), 0..10)") { a in
      wrap(try a.dataset(0).subset(try a.intList(1)))
    }
    r.add("shuffle(ds, seed:)", category: "data",
          doc: "The samples in a random order; the same seed gives the same order.",
          example: "s = shuffle(fashion_mnist(split: \"test\"), seed: 1)") { a in
      wrap(try a.dataset(0).shuffled(seed: try a.seed(1)))
    }
    r.add("take(ds, n)", category: "data",
          doc: "The first n samples of a dataset.",
          example: "s = take(fashion_mnist(split: \"test\"), 100)") { a in
      wrap(try a.dataset(0).take(try a.int(1)))
    }
    r.add("ssl_split(ds, per_class:, seed: 0, unlabeled: nil)", category: "data",
          doc: "Splits into [labeled, unlabeled]: exactly per_class labeled images per class, the rest (or `unlabeled` images, class-balanced) unlabeled.",
          help: "The two sets are disjoint and shuffled. Errors name the class that is too small.",
          example: "lab, unl = ssl_split(fashion_mnist(split: \"test\"), per_class: 10, seed: 1)") { a in
      let (l, u) = try a.dataset(0).sslSplit(perClass: try a.int(1), seed: try a.seed(2), unlabeled: try a.optionalInt(3))
      return .list([wrap(l), wrap(u)])
    }
    r.add("mix(real, synthetic, ratio:, size: nil, seed: 0, shares: nil)", category: "data",
          doc: "An unlabeled set where exactly round(ratio * size) images are synthetic.",
          help: "Samples without replacement from both sets and shuffles. Without size: the largest set both sources can supply at that ratio. Images from `synthetic` are marked synthetic. synthetic may be a list of datasets (e.g. two generators' samples): the synthetic part is split between them by shares (default equal, rounded so the counts add up), and each keeps its origin name so detector metrics can be reported per generator.",
          example: "t = fashion_mnist(split: \"test\")\nm = mix(take(t, 500), mark_synthetic(subset(t, 500..1000)), ratio: 0.3, size: 200)\nm2 = mix(take(t, 500), [mark_synthetic(subset(t, 500..600)), mark_synthetic(subset(t, 600..700))], ratio: 0.5, size: 100, shares: [3, 1])") { a in
      let sources: [Dataset]
      if case .list(let l) = a[1] {
        sources = try l.items.map { (v: Value) throws(ScriptError) -> Dataset in
          guard case .object(let o) = v, let d = o as? DatasetObject else { throw a.typeError(1, "dataset or list of datasets") }
          return d.dataset
        }
      } else {
        sources = [try a.dataset(1)]
      }
      var shares: [Double]? = nil
      if a.has(5) {
        shares = try a.list(5).map { (v: Value) throws(ScriptError) -> Double in
          guard case .number(let x) = v else { throw a.typeError(5, "list of numbers") }
          return x
        }
      }
      return wrap(try Dataset.mix(real: try a.dataset(0), synthetic: sources, shares: shares, ratio: try a.number(2),
                                  size: try a.optionalInt(3), seed: try a.seed(4)))
    }
    r.add("mark_synthetic(ds)", category: "data",
          doc: "The same samples, all marked synthetic (e.g. an imported folder of generated images).",
          example: "s = mark_synthetic(take(fashion_mnist(split: \"test\"), 10))") { a in
      wrap(try a.dataset(0).markSynthetic())
    }
    r.add("images(ds)", category: "data",
          doc: "All images as a float tensor [N, C, H, W] with values in [0, 1].",
          example: "x = images(take(fashion_mnist(split: \"test\"), 8))") { a in
      .tensor(try a.dataset(0).imagesTensor())
    }
    r.add("labels(ds)", category: "data",
          doc: "The class index of every sample, as a float tensor [N].",
          example: "y = labels(take(fashion_mnist(split: \"test\"), 8))") { a in
      let d = try a.dataset(0)
      return .tensor(Tensor(shape: [d.count], values: d.labels.map { Float($0) }))
    }
    r.add("provenance(ds)", category: "data",
          doc: "1 for each synthetic sample and 0 for each real one, as a float tensor [N] (for evaluation).",
          example: "p = provenance(take(fashion_mnist(split: \"test\"), 8))") { a in
      let d = try a.dataset(0)
      return .tensor(Tensor(shape: [d.count], values: d.synthetic.map { $0 ? 1 : 0 }))
    }
    r.add("class_counts(ds)", category: "data",
          doc: "The number of samples of each class, in class order.",
          example: "class_counts(fashion_mnist(split: \"test\"))") { a in
      .list(try a.dataset(0).classCounts.map { .number(Double($0)) })
    }
    r.add("export_folder(ds, path)", category: "data",
          doc: "Writes a dataset as a folder of PNG files, one subfolder per class (readable by image_folder).",
          example: "export_folder(take(fashion_mnist(split: \"test\"), 20), \"out/\")", needsFiles: true) { a in
      try a.dataset(0).exportFolder(path: try a.string(1), cancellation: a.context.cancellation)
      return .null
    }

    r.add("show(ds, n: 16, path: nil, columns: nil)", category: "data",
          doc: "A picture of the first n samples with their class names; synthetic ones are framed and marked (syn).",
          help: "Writes a PNG (to `path`, or a new file in $RSLAB_FIGURES or a temporary folder) and returns it as an image; notebooks embed it. columns: tiles per row (default about the square root of n).",
          example: "show(take(fashion_mnist(split: \"test\"), 8), n: 8)") { a in
      let d = try a.dataset(0)
      let canvas = try d.grid(n: try a.int(1), columns: try a.optionalInt(3))
      let path = try a.optionalString(2) ?? FigurePath.next("show")
      try canvas.write(path: path)
      // Sent when made (like plots), so `show(ds);` is embedded in notebooks too.
      a.context.emitImage(path: path)
      return .object(ShownImageObject(path: path, width: canvas.width, height: canvas.height))
    }

    r.add("weak_aug()", category: "augment",
          doc: "The FixMatch weak augmentation: random horizontal flip and a reflect-padded shift up to 12.5% of the side.",
          example: "w = weak_aug()") { _ in
      .object(AugmentationObject(.weak))
    }
    r.add("strong_aug(n: 2, m: 10)", category: "augment",
          doc: "Weak, then RandAugment (n ops from the FixMatch list, random magnitudes), then Cutout.",
          help: "m (0..10) scales how far each op may move from the identity; 10 is the published range.",
          example: "s = strong_aug(n: 2, m: 10)") { a in
      .object(AugmentationObject(try Augmentation.strong(n: try a.int(0), m: try a.number(1))))
    }
    r.add("augment(x, aug, seed:)", category: "augment",
          doc: "Applies an augmentation to an image [C, H, W] or a batch [N, C, H, W] with values in [0, 1].",
          help: "Deterministic for a seed; pixels are quantised to 8 bits as the ops are defined on 8-bit images.",
          example: "y = augment(rand([1, 28, 28], seed: 1), strong_aug(), seed: 3)") { a in
      let aug = try a.object(1, as: AugmentationObject.self, expected: "augmentation").augmentation
      return .tensor(try aug.apply(to: try a.tensor(0), seed: try a.seed(2)))
    }
  }
}
