//! Datasets: the files a version may hold (CSV or TSV, at most [`MAX_FILE`] bytes), how each is
//! checked (every record as many fields as the first, read by the `csv` crate), and the names
//! a file may have in a download URL.

/// The largest file a dataset version holds: a sample sheet, not the data itself.
pub const MAX_FILE: usize = 10 * 1024 * 1024;

pub const CSV: &str = "text/csv";
pub const TSV: &str = "text/tab-separated-values";

/// The media type of an uploaded file, from its name or the type it was sent with.
pub fn media_type(file_name: &str, content_type: Option<&str>) -> Result<&'static str, String> {
    let lower = file_name.to_ascii_lowercase();
    let declared = content_type.unwrap_or_default().split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if lower.ends_with(".tsv") || declared == TSV {
        Ok(TSV)
    } else if lower.ends_with(".csv") || declared == CSV {
        Ok(CSV)
    } else {
        Err(format!("'{file_name}' is not a CSV or TSV file: name it .csv or .tsv, or send it as {CSV} or {TSV}"))
    }
}

/// A file name as it appears in a download URL: a plain name, no path.
pub fn check_file_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && name != "."
        && name != ".."
        && !name.chars().any(|c| c == '/' || c == '\\' || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(format!("'{name}' is not a file name: up to 255 characters, no path"))
    }
}

/// Checks a CSV or TSV file: UTF-8, and every record with as many fields as the first. The
/// number of records (the header included) or the first problem, naming its line.
pub fn check_table(content: &[u8], media_type: &str) -> Result<u64, String> {
    let delimiter = if media_type == TSV { b'\t' } else { b',' };
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(false).from_reader(content);
    let mut records = 0;
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => records += 1,
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(records + 1);
                let why = match e.kind() {
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                        format!("{len} fields where the first line has {expected_len}")
                    }
                    csv::ErrorKind::Utf8 { .. } => "it is not UTF-8 text".into(),
                    _ => e.to_string(),
                };
                return Err(format!("The file is not valid {}: line {line}: {why}", if delimiter == b'\t' { "TSV" } else { "CSV" }));
            }
        }
    }
    if records == 0 {
        return Err("The file is empty".into());
    }
    Ok(records)
}

/// The dataset versions that launch parameters name: every string value (at any depth) that is
/// a version's URL under `api_url` (`<api_url>/datasets/{id}/v/{version}/n/{fileName}`).
pub fn referenced_versions(params: &serde_json::Value, api_url: &str) -> Vec<(String, i32)> {
    let prefix = format!("{}/datasets/", api_url.trim_end_matches('/'));
    let mut out = Vec::new();
    let mut stack = vec![params];
    while let Some(v) = stack.pop() {
        match v {
            serde_json::Value::String(s) => {
                let path = s.strip_prefix(&prefix).map(|rest| rest.split(['?', '#']).next().unwrap_or_default());
                if let Some([id, "v", version, "n", _file]) = path.map(|p| p.split('/').collect::<Vec<_>>()).as_deref() {
                    if let Ok(n) = version.parse::<i32>() {
                        if !out.iter().any(|(i, m)| i == id && *m == n) {
                            out.push((id.to_string(), n));
                        }
                    }
                }
            }
            serde_json::Value::Array(items) => stack.extend(items),
            serde_json::Value::Object(map) => stack.extend(map.values()),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_csv_or_tsv_and_every_line_has_the_first_lines_fields() {
        assert_eq!(media_type("samples.CSV", None), Ok(CSV));
        assert_eq!(media_type("upload", Some("text/tab-separated-values; charset=utf-8")), Ok(TSV));
        assert!(media_type("samples.xlsx", Some("application/octet-stream")).is_err());
        assert_eq!(check_table(b"sample,fastq\na,\"x,1.fq\"\nb,y.fq\n", CSV), Ok(3));
        assert_eq!(check_table(b"sample\tfastq\na\tx.fq\n", TSV), Ok(2));
        assert_eq!(
            check_table(b"sample,fastq\na,x.fq\nb\n", CSV),
            Err("The file is not valid CSV: line 3: 1 fields where the first line has 2".into())
        );
        assert_eq!(check_table(b"a,b\n\xff,c\n", CSV), Err("The file is not valid CSV: line 2: it is not UTF-8 text".into()));
        assert!(check_table(b"", CSV).is_err());
        assert!(check_file_name("samples.csv").is_ok());
        assert!(check_file_name("../etc/passwd").is_err() && check_file_name("..").is_err());
    }

    #[test]
    fn launch_parameters_name_dataset_versions_by_their_urls() {
        let api = "https://tower.example.com/api";
        let params = serde_json::json!({
            "input": "https://tower.example.com/api/datasets/abc/v/2/n/samples.csv?workspaceId=7",
            "more": {"sheets": ["https://tower.example.com/api/datasets/xyz/v/1/n/s.tsv", "s3://bucket/x.csv"]},
            "again": "https://tower.example.com/api/datasets/abc/v/2/n/samples.csv",
            "elsewhere": "https://other.example.com/api/datasets/abc/v/3/n/samples.csv",
            "broken": "https://tower.example.com/api/datasets/abc/v/two/n/samples.csv",
        });
        let mut refs = referenced_versions(&params, api);
        refs.sort();
        assert_eq!(refs, [("abc".to_string(), 2), ("xyz".to_string(), 1)]);
    }
}
