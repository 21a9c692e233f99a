import BilinCore
import BilinFormats
import BilinTestSupport
import Testing

/// Imports of the Keras 3 `.keras` fixtures, which fixtures/make_fixtures.py saved from the same models as the `.h5` ones.
@Suite("KerasArchiveImporter")
struct KerasArchiveImporterTests {
    @Test("a .keras archive holds the same model as the .h5 saved from it", arguments: ["tiny_mlp", "fmnist_mlp"])
    func sameAsH5(stem: String) throws {
        let archive = try KerasArchiveImporter.importModel(from: Fixtures.path("\(stem).keras"))
        let legacy = try KerasH5Importer.importModel(from: Fixtures.path("\(stem).h5"))
        #expect(archive.layers == legacy.layers)
        #expect(archive.name == stem)
        #expect(archive.metadata == ["format": "keras", "keras_version": "3.15.1", "model_class": "Sequential"])
    }
}
