// swift-tools-version: 6.0
// A package that ships a model and shrinks it with the bilin-convert command plugin:
//   swift package --allow-writing-to-package-directory bilin-convert Models/tiny_mlp.h5 --scale 2 -o Models/tiny_mlp.bilinear.h5
import PackageDescription

let package = Package(
    name: "PluginSample",
    dependencies: [.package(name: "bilin-convert", path: "../..")],
    targets: [.target(name: "PluginSample", path: "Sources")]
)
