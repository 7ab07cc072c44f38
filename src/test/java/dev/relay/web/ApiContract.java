package dev.relay.web;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The /api operations of API.md, as "METHOD path", kept in {@code openapi/api-contract.txt}. */
final class ApiContract {

  /** An operation as API.md's code blocks write it: the method, spaces, an /api path. */
  private static final Pattern OPERATION =
      Pattern.compile("^\\s*(GET|POST|PUT|PATCH|DELETE)\\s+(/api/\\S+)", Pattern.MULTILINE);

  private ApiContract() {}

  /** The list committed with the tests. */
  static Set<String> committed() throws IOException {
    try (InputStream in = ApiContract.class.getResourceAsStream("/openapi/api-contract.txt")) {
      Set<String> operations = new TreeSet<>();
      new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .lines()
          .filter(line -> !line.isBlank() && !line.startsWith("#"))
          .forEach(operations::add);
      return operations;
    }
  }

  /** The operations API.md's text names. */
  static Set<String> of(String apiMd) {
    Set<String> operations = new TreeSet<>();
    Matcher operation = OPERATION.matcher(apiMd);
    while (operation.find()) {
      operations.add(operation.group(1) + " " + operation.group(2));
    }
    return operations;
  }
}
