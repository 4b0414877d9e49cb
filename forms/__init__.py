"""The programme as data: rubrics, reference data, the XLSForm builder and FormSchema."""
