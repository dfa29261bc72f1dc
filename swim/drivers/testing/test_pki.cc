#include "swim/drivers/testing/test_pki.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace swim::drivertest {
namespace {

absl::Status Failed(absl::string_view what) {
  char text[256] = "no detail";
  if (const unsigned long error = ERR_get_error(); error != 0) {  // NOLINT
    ERR_error_string_n(error, text, sizeof(text));
  }
  ERR_clear_error();
  return absl::InternalError(absl::StrCat("test PKI: ", what, ": ", text));
}

EVP_PKEY* NewKey() {
  EVP_PKEY_CTX* context = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nullptr);
  EVP_PKEY* key = nullptr;
  if (context != nullptr && EVP_PKEY_keygen_init(context) == 1 &&
      EVP_PKEY_CTX_set_ec_paramgen_curve_nid(context, NID_X9_62_prime256v1) ==
          1) {
    EVP_PKEY_keygen(context, &key);
  }
  EVP_PKEY_CTX_free(context);
  return key;
}

bool AddExtension(X509* certificate, X509* issuer, int nid,
                  const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension =
      X509V3_EXT_nconf_nid(nullptr, &context, nid, value.c_str());
  if (extension == nullptr) return false;
  const bool added = X509_add_ext(certificate, extension, -1) == 1;
  X509_EXTENSION_free(extension);
  return added;
}

// A certificate for `key`, named `common_name`, signed by `issuer_key`
// (self-signed when `issuer` is null); a member's (not `ca`) has the IP
// names `ips`, the DNS names `dns` and the keyUsage `key_usage`.
X509* MakeCertificate(EVP_PKEY* key, absl::string_view common_name,
                      uint64_t serial, absl::Duration not_before,
                      absl::Duration not_after, X509* issuer,
                      EVP_PKEY* issuer_key, bool ca,
                      const std::vector<std::string>& ips,
                      const std::vector<std::string>& dns,
                      const std::string& key_usage) {
  X509* certificate = X509_new();
  if (certificate == nullptr) return nullptr;
  X509_NAME* name = X509_NAME_new();
  const std::string cn(common_name);
  bool ok =
      name != nullptr && X509_set_version(certificate, 2) == 1 &&
      ASN1_INTEGER_set(X509_get_serialNumber(certificate),
                       static_cast<long>(serial)) == 1 &&  // NOLINT
      X509_gmtime_adj(X509_getm_notBefore(certificate),
                      absl::ToInt64Seconds(not_before)) != nullptr &&
      X509_gmtime_adj(X509_getm_notAfter(certificate),
                      absl::ToInt64Seconds(not_after)) != nullptr &&
      X509_NAME_add_entry_by_txt(
          name, "CN", MBSTRING_ASC,
          reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0) == 1 &&
      X509_set_subject_name(certificate, name) == 1 &&
      X509_set_issuer_name(certificate, issuer != nullptr
                                            ? X509_get_subject_name(issuer)
                                            : name) == 1 &&
      X509_set_pubkey(certificate, key) == 1;
  X509_NAME_free(name);
  X509* signer = issuer != nullptr ? issuer : certificate;
  if (ok && ca) {
    ok = AddExtension(certificate, signer, NID_basic_constraints,
                      "critical,CA:TRUE") &&
         AddExtension(certificate, signer, NID_key_usage,
                      "critical,keyCertSign,cRLSign");
  }
  if (ok && !ca) {
    std::vector<std::string> names;
    for (const std::string& ip : ips) names.push_back(absl::StrCat("IP:", ip));
    for (const std::string& name : dns) {
      names.push_back(absl::StrCat("DNS:", name));
    }
    ok = AddExtension(certificate, signer, NID_basic_constraints,
                      "critical,CA:FALSE") &&
         AddExtension(certificate, signer, NID_key_usage, key_usage) &&
         (names.empty() ||
          AddExtension(certificate, signer, NID_subject_alt_name,
                       absl::StrJoin(names, ",")));
  }
  if (ok) {
    ok = X509_sign(certificate, issuer_key != nullptr ? issuer_key : key,
                   EVP_sha256()) > 0;
  }
  if (!ok) {
    X509_free(certificate);
    return nullptr;
  }
  return certificate;
}

absl::Status WritePem(const std::string& path, X509* certificate,
                      EVP_PKEY* key) {
  BIO* file = BIO_new_file(path.c_str(), "w");
  if (file == nullptr) return Failed(absl::StrCat("cannot write ", path));
  const bool ok = certificate != nullptr
                      ? PEM_write_bio_X509(file, certificate) == 1
                      : PEM_write_bio_PrivateKey(file, key, nullptr, nullptr, 0,
                                                 nullptr, nullptr) == 1;
  BIO_free(file);
  if (!ok) return Failed(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<TestPki>> TestPki::Create(
    const std::string& parent, absl::string_view name) {
  std::string directory = absl::StrCat(parent, "/", name, "-XXXXXX");
  if (::mkdtemp(directory.data()) == nullptr) {
    return absl::InternalError(
        absl::StrCat("test PKI: cannot make a directory in ", parent));
  }
  EVP_PKEY* key = NewKey();
  if (key == nullptr) return Failed("cannot make a key");
  X509* certificate =
      MakeCertificate(key, absl::StrCat("swim test ", name), 1, -absl::Hours(1),
                      absl::Hours(48), nullptr, nullptr,
                      /*ca=*/true, {}, {}, "");
  if (certificate == nullptr) {
    EVP_PKEY_free(key);
    return Failed("cannot make the CA certificate");
  }
  std::string ca_file = absl::StrCat(directory, "/", name, ".pem");
  std::unique_ptr<TestPki> pki(new TestPki(
      std::move(directory), std::string(name), key, certificate, ca_file));
  if (absl::Status written = WritePem(ca_file, certificate, nullptr);
      !written.ok()) {
    return written;
  }
  return pki;
}

TestPki::TestPki(std::string directory, std::string name, EVP_PKEY* key,
                 X509* certificate, std::string ca_file)
    : directory_(std::move(directory)),
      name_(std::move(name)),
      key_(key),
      certificate_(certificate),
      ca_file_(std::move(ca_file)) {}

TestPki::~TestPki() {
  X509_free(certificate_);
  EVP_PKEY_free(key_);
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

absl::StatusOr<TlsOptions> TestPki::Issue(absl::string_view member,
                                          const Leaf& leaf) {
  return IssueTrusting(member, leaf, *this);
}

absl::StatusOr<TlsOptions> TestPki::Issue(absl::string_view member) {
  return IssueTrusting(member, Leaf(), *this);
}

absl::StatusOr<TlsOptions> TestPki::IssueTrusting(absl::string_view member,
                                                  const Leaf& leaf,
                                                  const TestPki& trusted) {
  EVP_PKEY* key = NewKey();
  if (key == nullptr) return Failed("cannot make a key");
  X509* certificate = MakeCertificate(
      key, member, next_serial_++, leaf.not_before, leaf.not_after,
      certificate_, key_, /*ca=*/false, leaf.ips, leaf.dns, leaf.key_usage);
  if (certificate == nullptr) {
    EVP_PKEY_free(key);
    return Failed("cannot make a member certificate");
  }
  TlsOptions options;
  const std::string base = absl::StrCat(directory_, "/", name_, "-", member);
  options.certificate_file = absl::StrCat(base, ".crt");
  options.key_file = absl::StrCat(base, ".key");
  options.ca_file = trusted.ca_file();
  absl::Status written = WritePem(options.certificate_file, certificate, key);
  if (written.ok()) written = WritePem(options.key_file, nullptr, key);
  X509_free(certificate);
  EVP_PKEY_free(key);
  if (!written.ok()) return written;
  return options;
}

}  // namespace swim::drivertest
